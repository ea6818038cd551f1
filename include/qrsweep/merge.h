// Merging the shard stores of a sweep into one store (same schema, shard 0/1) and its tables,
// then testing the best trial; shards are only read. docs/cluster.md describes it.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/backend.h"
#include "qrsweep/export.h"
#include "qrsweep/space.h"
#include "qrsweep/store.h"

namespace qrsweep {

struct MergeOptions {
  std::string out_dir;              // the merged sweep: OUT/store.sqlite, tables, best files
  std::vector<std::string> inputs;  // shard store files or sweep directories; empty: out_dir
  bool run_test = true;             // select, retrain and test once every trial finished
  bool require_complete = false;    // exit status 1 (after writing) when trials are missing
  std::string backend = "auto";     // for the retraining
  int threads = 0;                  // CPU threads of the retraining; 0: 1, as the sweep
  bool tf32 = false;                // cuda retraining: TF32 tensor cores
  CudaModes cuda;                   // cuda retraining: --cuda-gemm, --cuda-sync, --no-cuda-graphs
  bool quiet = false;               // only the summary (and warnings) are printed
};

// One store as the merge reads it: its sweep row, every trial row, the epochs of its
// finished trials, its test row.
struct StoreContents {
  std::string path;
  SweepRecord sweep;
  std::vector<TrialRecord> trials;
  std::map<int, std::vector<EpochMetrics>> epochs;  // finished trials only
  std::optional<TestRecord> test;
};

// The stores read together, combined into the merged sweep.
struct CombinedSweep {
  SearchSpace space;                       // the sweep's space, parsed from the stores
  SweepRecord sweep;                       // the merged sweep row (shard 0/1)
  std::vector<TrialConfig> plan;           // every trial of the plan, index order
  std::map<int, TrialRecord> finished;     // done, diverged or failed in some store
  std::map<int, std::string> finished_in;  // the store each finished trial was taken from
  std::map<int, std::vector<EpochMetrics>> epochs;
  // Not finished anywhere, split by whether a shard store holds them (queued or running
  // there) or none does (its shard store was not found). Without shard stores among the
  // stores read, every trial not finished counts as unfinished.
  std::vector<int> unfinished;
  std::vector<int> missing;
  std::vector<std::string> notes;  // the shard stores not found, ...
};

// ---- the whole command ---------------------------------------------------------

struct MergeResult {
  std::string store;                 // OUT/store.sqlite
  std::vector<std::string> sources;  // the stores read, in the order read
  int trials = 0;                    // in the plan
  int done = 0;
  int diverged = 0;
  int failed = 0;
  std::vector<int> unfinished;
  std::vector<int> missing;
  ExportedFiles tables;
  std::optional<TestRecord> test;
  bool test_kept = false;  // the test of an earlier merge, still the best trial's, was kept
  int exit_status = 0;     // 0; 1 when require_complete and trials are missing; 128 + signal
};

// Reads the stores, writes the merged store (atomically: a new file renamed over the old
// one), the tables, and when every trial has finished, retrains and tests the best trial
// (unless !run_test; an earlier merge's test of the same best trial is kept). Throws
// ConfigError when the stores belong to different sweeps (naming each key that differs)
// or nothing is found to merge; DataError for a damaged store; Error when two stores
// disagree on a finished trial. Prints what it does to stderr and the best trial's
// summary to stdout.
MergeResult merge_sweep(const MergeOptions& options);

// ---- the pieces ------------------------------------------------------------------

// The stores to read: OUT/store.sqlite when it holds one (an earlier merge: merging never
// drops what it holds), then for each input, a store file as given, or for a directory its
// shard stores (files named as store.h's shard_store_path names them, in DIR/shards or in
// the directory itself) and its store.sqlite. Duplicates are read once. Throws ConfigError
// when an input does not exist or holds nothing to merge.
std::vector<std::string> merge_inputs(const MergeOptions& options);

// Reads the store at `path` whole, in one snapshot, creating and changing nothing (as a
// read-only Store::open): a shard on read-only media or still running is read as is.
StoreContents read_store_contents(const std::string& path);

// Checks that every store holds the same sweep (space, seed, trial count: ConfigError naming
// each difference and the two files) and the same plan rows as this qrsweep's sampler
// (Error), then takes each trial from the first store where it finished. A trial finished
// in two stores must agree value for value (all but wall-clock seconds and backend), else
// Error naming the trial and both stores.
CombinedSweep combine_stores(const std::vector<StoreContents>& stores);

// Writes `combined` (and `test`, when given) as a fresh store at `path`: built under a
// temporary name in the same directory, then renamed over `path`. The caller holds the
// store's lock.
void write_merged_store(const std::string& path, const CombinedSweep& combined,
                        const std::optional<TestRecord>& test);

// Sorted trial indices as "0, 3-5, 9".
std::string format_indices(const std::vector<int>& indices);

}  // namespace qrsweep
