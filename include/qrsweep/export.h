// The sweep's results as the notebook's tables: all_trials.csv and best_trial.csv with
// its columns first, in its order (docs/sweep.md#qrsweep-export), then qrsweep's own.
#pragma once
#include <optional>
#include <string>

#include "qrsweep/space.h"
#include "qrsweep/store.h"
#include "qrsweep/trial_table.h"

namespace qrsweep {

// The notebook's four result columns: Min val loss, Min val loss epoch, Max val accuracy,
// Max val accuracy epoch.
const std::vector<std::string>& result_columns();
// How many of trials_table()'s leading columns are the notebook's (docs/sweep.md#qrsweep-export:
// 30).
size_t notebook_column_count();

// One row per trial: the notebook's config columns, its result columns, then Trial,
// Seed, Status, Epochs run, Steps, Seconds, Stop reason, Error, Backend. With the space of
// a halving or hyperband sweep, Rung follows Epochs run: the rung each trial got to.
Table trials_table(const std::vector<TrialRecord>& trials, const SearchSpace* schedule = nullptr);
// The best trial's row of trials_table, plus Retrain epochs, Test loss and Test accuracy
// when the test has been run.
Table best_table(const TrialRecord& best, const std::optional<TestRecord>& test,
                 const SearchSpace* schedule = nullptr);

struct ExportedFiles {
  std::string all_trials;  // OUT/all_trials.csv
  std::string best_trial;  // OUT/best_trial.csv, empty when no trial qualifies as best
};
// Writes the two tables of `store` into `out_dir` (created when missing), each file
// atomically. Without a best trial, best_trial.csv is not written (and an old one is
// removed, so it never describes another state of the store).
ExportedFiles export_store(Store& store, const std::string& out_dir);

}  // namespace qrsweep
