// all_trials.csv and best_trial.csv from a store (export.h): the notebook's columns in
// its order, then qrsweep's; written atomically so a reader never sees half a file.
#include "qrsweep/export.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "qrsweep/common.h"
#include "qrsweep/sweep.h"
#include "sweep/halving.h"

namespace qrsweep {

namespace {

// config_columns() ends with qrsweep's Trial and Seed; the notebook's results go before.
bool is_own_config_column(const std::string& c) { return c == "Trial" || c == "Seed"; }

const std::vector<std::string>& own_columns() {
  static const std::vector<std::string> c = {"Status",      "Epochs run", "Steps",  "Seconds",
                                             "Stop reason", "Error",      "Backend"};
  return c;
}

}  // namespace

const std::vector<std::string>& result_columns() {
  static const std::vector<std::string> c = {"Min val loss", "Min val loss epoch",
                                             "Max val accuracy", "Max val accuracy epoch"};
  return c;
}

size_t notebook_column_count() {
  size_t n = 0;
  for (const auto& c : config_columns()) n += is_own_config_column(c) ? 0 : 1;
  return n + result_columns().size();
}

Table trials_table(const std::vector<TrialRecord>& trials, const SearchSpace* schedule) {
  const bool rungs = schedule && schedule->schedule.kind != ScheduleKind::kFull;
  Table t;
  const auto& config = config_columns();
  for (const auto& c : config)
    if (!is_own_config_column(c)) t.columns.push_back(c);
  for (const auto& c : result_columns()) t.columns.push_back(c);
  for (const auto& c : config)
    if (is_own_config_column(c)) t.columns.push_back(c);
  for (const auto& c : own_columns()) {
    t.columns.push_back(c);
    if (c == "Epochs run" && rungs) t.columns.push_back("Rung");
  }
  for (const TrialRecord& r : trials) {
    const std::vector<Cell> cells = config_cells(r.config);
    std::vector<Cell> row;
    for (size_t i = 0; i < config.size(); ++i)
      if (!is_own_config_column(config[i])) row.push_back(cells[i]);
    row.push_back(float_cell(r.min_val_loss));
    row.push_back(int_cell(r.min_val_loss_epoch));
    row.push_back(float_cell(r.max_val_accuracy));
    row.push_back(int_cell(r.max_val_accuracy_epoch));
    for (size_t i = 0; i < config.size(); ++i)
      if (is_own_config_column(config[i])) row.push_back(cells[i]);
    row.push_back(text_cell(trial_status_name(r.status)));
    row.push_back(int_cell(r.epochs_run));
    if (rungs)
      row.push_back(int_cell(halving::trial_rung(*schedule, r.config.index, r.epochs_run)));
    row.push_back(int_cell(r.steps));
    row.push_back(float_cell(r.seconds));
    row.push_back(text_cell(r.stop_reason));
    row.push_back(text_cell(r.error));
    row.push_back(text_cell(r.backend));
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table best_table(const TrialRecord& best, const std::optional<TestRecord>& test,
                 const SearchSpace* schedule) {
  Table t = trials_table({best}, schedule);
  if (test && test->trial == best.config.index) {
    t.columns.insert(t.columns.end(), {"Retrain epochs", "Test loss", "Test accuracy"});
    t.rows[0].push_back(int_cell(test->retrain_epochs));
    t.rows[0].push_back(float_cell(test->test_loss));
    t.rows[0].push_back(float_cell(test->test_accuracy));
  }
  return t;
}

ExportedFiles export_store(Store& store, const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw Error("cannot create " + out_dir + ": " + ec.message());
  const std::vector<TrialRecord> trials = store.trials();
  const SearchSpace space = stored_space(store.path(), store.sweep());
  ExportedFiles files;
  files.all_trials = out_dir + "/all_trials.csv";
  write_table(trials_table(trials, &space), files.all_trials);
  const std::string best_path = out_dir + "/best_trial.csv";
  if (auto best = select_best(trials)) {
    files.best_trial = best_path;
    write_table(best_table(*best, store.test(), &space), best_path);
  } else if (std::remove(best_path.c_str()) != 0 && errno != ENOENT) {
    throw Error("cannot remove the stale " + best_path);
  }
  return files;
}

}  // namespace qrsweep
