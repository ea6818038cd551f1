// The sweep: every trial of the plan into the store K at a time, then the best selected,
// retrained and tested; its pieces public for report, merge and Slurm (docs/sweep.md).
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "qrsweep/backend.h"
#include "qrsweep/dataset.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "qrsweep/store.h"
#include "qrsweep/trainer.h"
#include "qrsweep/weights.h"

namespace qrsweep {

struct SweepOptions {
  std::string space_path;  // search-space TOML (docs/space.md)
  std::string out_dir;     // the sweep directory: store, best weights, best config
  std::string backend = "auto";
  std::optional<int> trials;     // overrides the space's trial count
  std::optional<uint64_t> seed;  // overrides the space's seed
  std::string data_dir;          // overrides [data].dir
  int jobs = 0;                  // trials at once; 0: the CPU's cores (cpu), 1 (cuda)
  int threads = 0;               // CPU threads per job; 0: 1 (results do not depend on it)
  int max_resident = 0;          // cuda: cap on trials resident at once (0: as many as fit)
  bool tf32 = false;             // cuda: TF32 tensor cores (ignored when auto picks the CPU)
  CudaModes cuda;                // cuda: --cuda-gemm, --cuda-sync, --no-cuda-graphs
  bool quiet = false;            // only the final summary
  Shard shard;                   // {0, 1}: the whole plan, selection and test included
  // Test hook, called after each epoch row is handed to the store's writer (committed within
  // the commit interval); an exception it throws fails the trial as any error inside
  // training would.
  std::function<void(const TrialConfig&, const EpochMetrics&)> after_epoch;
};

// Exit status of an interrupted sweep: 128 + the signal, as a shell reports it.
struct SweepOutcome {
  int exit_status = 0;  // 0, or 128 + signal when stopped by SIGINT/SIGTERM/SIGUSR1/SIGHUP
  int trials_run = 0;   // trials finished by this call
  int trials_kept = 0;  // trials already finished in the store
  std::optional<TestRecord> test;
};

// Runs (or resumes) a sweep. Throws ConfigError (bad space or options, a directory that
// holds another sweep), DataError (dataset missing or malformed, store damaged), Error
// (directory not writable, disk full, no trial finished, ...). Prints progress to stderr
// and the summary to stdout unless `quiet` (then only the summary).
SweepOutcome run_sweep(const SweepOptions& options);

// ---- the pieces -------------------------------------------------------------

// The space file with the command line's overrides applied, relative data paths made
// absolute, validated: what the store records as the sweep's identity.
SearchSpace resolve_space(const SweepOptions& options);

// Opens the store at `path` for `space` (creating it with every plan row queued when it
// does not exist, recording `data` and the plan format). Refuses, with ConfigError naming
// each differing key, a store of another sweep or shard; refuses a store whose rows
// differ from `plan` (check_plan_rows). With `data`, an existing store is checked against
// it too (check_sweep_data).
std::unique_ptr<Store> open_sweep_store(const std::string& path, const SearchSpace& space,
                                        const Shard& shard, const std::vector<TrialConfig>& plan,
                                        const std::optional<DataIdentity>& data = std::nullopt);

// ---- what makes stores parts of one sweep (sweep_identity.cpp) -------------------

// The space a store records, parsed. DataError naming the store when this qrsweep cannot
// read it: qrsweep wrote it, so it is damaged.
SearchSpace stored_space(const std::string& path, const SweepRecord& sweep);

// What differs between the sweeps of two stores (a's value -> b's): each space key
// (diff_spaces: trial count, seed, data source, ...), then each field of the data's
// identity where both record one. Empty when they hold the same sweep.
std::vector<std::string> sweep_differences(const std::string& a_path, const SweepRecord& a,
                                           const std::string& b_path, const SweepRecord& b);

// Stores read together (a merge, a report of shards) must hold one sweep: each is
// compared with the first and with the first that records its data (sweep_differences).
// Throws ConfigError naming the two stores and each difference, then `advice`.
struct StoredSweep {
  std::string path;
  const SweepRecord* sweep;
};
void check_same_sweep(const std::vector<StoredSweep>& stores, const std::string& advice);

// Checks the trials rows of the store at `path` against this qrsweep's `plan` (rows of
// any shard; with `every_row`, each plan row must be there too). A row that differs
// throws ConfigError when the store records another plan format than kPlanFormatVersion
// (another qrsweep drew it: resume or merge with that one), DataError otherwise (the rows
// were changed outside qrsweep). A store that records no format (schema version 1) was
// drawn by format 1.
void check_plan_rows(const std::string& path, const SweepRecord& sweep,
                     const std::vector<TrialRecord>& rows, const std::vector<TrialConfig>& plan,
                     bool every_row);

// Before a resume trains or tests anything: the data just loaded must be what the store
// records (ConfigError naming the store and each difference, stored -> now). A store that
// records none (written before qrsweep recorded it) gets `loaded` and the plan format
// recorded now; the returned line says so ("" otherwise).
std::string check_sweep_data(Store& store, const DataIdentity& loaded);

// The best trial (docs/sweep.md#qrsweep-sweep, step 5): the lowest finite Min val loss among done
// trials; ties go to the lower index; diverged and failed trials never win. nullopt when none
// qualifies.
std::optional<TrialRecord> select_best(const std::vector<TrialRecord>& trials);

// Trains `cfg` from scratch on every training row (the validation rows included) for
// exactly `epochs` epochs (`opt`'s on_epoch and should_stop are used; no validation, no
// early stopping), then, when `test`, evaluates it on the test rows. The sweep's retraining
// of its best trial and `qrsweep train --all-rows --test` are this one call.
struct TrainedModel {
  int retrain_epochs = 0;  // 0: not retrained on all rows (`qrsweep train` without --all-rows)
  TrialResult result;      // reason kInterrupted: should_stop ended it (no weights, no test)
  Weights weights;
  bool tested = false;
  double test_loss = std::numeric_limits<double>::quiet_NaN();
  double test_accuracy = std::numeric_limits<double>::quiet_NaN();
};
TrainedModel retrain_on_all_rows(Backend& backend, const TrialConfig& cfg, int epochs,
                                 const DataSplits& data, bool test, TrainOptions opt);

// Evaluates `session` on `test` into m's test fields (NaN for an empty test set).
void test_model(TrialSession& session, const DatasetView& test, TrainedModel* m);

// The safetensors metadata of a trained model: model_metadata(cfg), then retrain_epochs
// (when retrained on all rows) and, when tested, test_loss and test_accuracy; the
// preprocessing as `data`'s scale says (set_preprocessing_metadata).
std::vector<std::pair<std::string, std::string>> trained_metadata(const TrialConfig& cfg,
                                                                  const TrainedModel& r,
                                                                  const DataSplits& data);

// Retrains `best` from scratch on every training row (validation block included) for
// its Max val accuracy epoch epochs, tests it, and writes DIR/best.safetensors and
// DIR/best_trial.toml (atomically). nullopt when `should_stop` interrupted it.
std::optional<TestRecord> retrain_and_test(Backend& backend, const TrialRecord& best,
                                           const DataSplits& data, const DataSource& source,
                                           const std::string& dir,
                                           const std::function<bool()>& should_stop);

// The best trial's configuration in `qrsweep train --config` form, its results as
// comments, `source` as its [data] table.
std::string best_trial_toml(const TrialRecord& best, const DataSource& source);

// The notebook's summary: "Column : value" for each of its columns of the best trial,
// then "The test loss was: X" and "The test accuracy was: Y".
void print_summary(std::FILE* out, const TrialRecord& best, const TestRecord& test);

}  // namespace qrsweep
