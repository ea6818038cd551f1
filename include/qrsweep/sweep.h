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
  bool quiet = false;            // only the final summary
  Shard shard;                   // {0, 1}: the whole plan, selection and test included
  // Test hook, called after each epoch row is committed; an exception it throws fails the
  // trial as any error inside training would.
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
// does not exist). Refuses, with ConfigError naming each differing key, a store of
// another sweep or shard; refuses a store whose rows differ from `plan` (another sampler).
std::unique_ptr<Store> open_sweep_store(const std::string& path, const SearchSpace& space,
                                        const Shard& shard, const std::vector<TrialConfig>& plan);

// The best trial (SPEC 1.6): the lowest finite Min val loss among done trials; ties go to
// the lower index; diverged and failed trials never win. nullopt when none qualifies.
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
// (when retrained on all rows) and, when tested, test_loss and test_accuracy.
std::vector<std::pair<std::string, std::string>> trained_metadata(const TrialConfig& cfg,
                                                                  const TrainedModel& r);

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
