// `qrsweep export`: all_trials.csv and best_trial.csv with the notebook's columns first in its
// order (docs/sweep.md#qrsweep-export), then qrsweep's; values as stored; atomic writes; no stale
// best; the sweep directory only read.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "qrsweep/export.h"
#include "qrsweep/number_format.h"
#include "qrsweep/store.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

// docs/sweep.md#qrsweep-export, verbatim.
const std::vector<std::string> kNotebookColumns = {"Structure",
                                                   "Number of hidden layers",
                                                   "Activation",
                                                   "Allow dropout layers?",
                                                   "Allow momentum?",
                                                   "L3",
                                                   "L4",
                                                   "L5",
                                                   "D1",
                                                   "D2",
                                                   "D3",
                                                   "D4",
                                                   "D5",
                                                   "L1N",
                                                   "L2N",
                                                   "L3N",
                                                   "L4N",
                                                   "L5N",
                                                   "D1R",
                                                   "D2R",
                                                   "D3R",
                                                   "D4R",
                                                   "D5R",
                                                   "Learning rate",
                                                   "Momentum",
                                                   "Batch size",
                                                   "Min val loss",
                                                   "Min val loss epoch",
                                                   "Max val accuracy",
                                                   "Max val accuracy epoch"};

// A CSV line split on commas, honouring RFC 4180 quotes.
std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::istringstream in(test::read_file(path));
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(fields(line));
  return rows;
}

TrialConfig config(int index) {
  TrialConfig c;
  c.index = index;
  c.seed = 11;
  c.structure = Structure::kAscendingMax;
  c.hidden_layers = 2;
  c.activation = Activation::kSigmoid;
  c.sizes = {163, 325, 0, 0, 0};
  c.dropout = {true, false, false, false, false};
  c.dropout_rate = {0.1725827321410179, 0, 0, 0, 0};
  c.learning_rate = 0.0030597063601017003;
  c.momentum = 0.19803881645202637;
  c.batch_size = 544 + index;
  return c;
}

class Export : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<TrialConfig> plan = {config(0), config(1), config(2), config(3)};
    SweepRecord s;
    s.identity.space_toml = "trials = 4\n";
    s.trials = 4;
    s.seed = 11;
    store_ = Store::create(store_path(dir_.path()), s, plan);
    finish(0, TrialStatus::kDone, 0.31, "");
    finish(1, TrialStatus::kDone, 0.28139692544937134, "");
    finish(2, TrialStatus::kFailed, std::nan(""), "bad \"thing\", with a comma");
  }
  void finish(int i, TrialStatus s, double loss, const std::string& error) {
    TrialRecord r;
    r.config = config(i);
    r.status = s;
    r.min_val_loss = loss;
    r.min_val_loss_epoch = 44;
    r.max_val_accuracy = 0.8985000252723694;
    r.max_val_accuracy_epoch = 43 + i;
    r.epochs_run = 49;
    r.steps = 4508;
    r.seconds = 12.5;
    r.stop_reason = s == TrialStatus::kFailed ? "error" : "early stopping";
    r.error = error;
    r.backend = "cpu";
    store_->finish_trial(r);
  }
  std::string column(const std::vector<std::vector<std::string>>& t, size_t row,
                     const std::string& name) const {
    for (size_t c = 0; c < t[0].size(); ++c)
      if (t[0][c] == name) return t[row][c];
    ADD_FAILURE() << "no column " << name;
    return "";
  }
  test::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(Export, AllTrialsHasTheNotebooksColumnsFirstThenQrsweepsWithStoredValues) {
  ExportedFiles f = export_store(*store_, dir_.path());
  EXPECT_EQ(f.all_trials, dir_.file("all_trials.csv"));
  auto t = read_csv(f.all_trials);
  ASSERT_EQ(t.size(), 5u);  // header + 4 trials, queued ones included
  ASSERT_GE(t[0].size(), kNotebookColumns.size());
  EXPECT_EQ(std::vector<std::string>(t[0].begin(), t[0].begin() + kNotebookColumns.size()),
            kNotebookColumns);
  EXPECT_EQ(notebook_column_count(), kNotebookColumns.size());
  const std::vector<std::string> own(t[0].begin() + kNotebookColumns.size(), t[0].end());
  EXPECT_EQ(own, (std::vector<std::string>{"Trial", "Seed", "Status", "Epochs run", "Steps",
                                           "Seconds", "Stop reason", "Error", "Backend"}));
  for (const auto& row : t) EXPECT_EQ(row.size(), t[0].size());

  EXPECT_EQ(column(t, 2, "Structure"), "Ascending max");
  EXPECT_EQ(column(t, 2, "Allow dropout layers?"), "True");
  EXPECT_EQ(column(t, 2, "L3"), "False");
  EXPECT_EQ(column(t, 2, "L2N"), "325");
  EXPECT_EQ(column(t, 2, "D1R"), "0.1725827321410179");
  EXPECT_EQ(column(t, 2, "Batch size"), "545");
  EXPECT_EQ(column(t, 2, "Min val loss"), "0.28139692544937134");
  EXPECT_EQ(column(t, 2, "Min val loss epoch"), "44");
  EXPECT_EQ(column(t, 2, "Max val accuracy"), "0.8985000252723694");
  EXPECT_EQ(column(t, 2, "Max val accuracy epoch"), "44");
  EXPECT_EQ(column(t, 2, "Trial"), "1");
  EXPECT_EQ(column(t, 2, "Seed"), "11");
  EXPECT_EQ(column(t, 2, "Status"), "done");
  EXPECT_EQ(column(t, 2, "Stop reason"), "early stopping");
  EXPECT_EQ(column(t, 3, "Status"), "failed");
  EXPECT_EQ(column(t, 3, "Error"), "bad \"thing\", with a comma");
  EXPECT_EQ(column(t, 3, "Min val loss"), "nan");
  EXPECT_EQ(column(t, 4, "Status"), "queued");

  // The best row: lowest min val loss among done trials; test columns once tested.
  auto b = read_csv(f.best_trial);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(column(b, 1, "Trial"), "1");
  EXPECT_EQ(b[0].back(), "Backend");
  TestRecord test;
  test.trial = 1;
  test.retrain_epochs = 44;
  test.test_loss = 0.36361244320869446;
  test.test_accuracy = 0.8773000240325928;
  test.weights_path = "best.safetensors";
  test.config_path = "best_trial.toml";
  store_->put_test(test);
  export_store(*store_, dir_.path());
  b = read_csv(f.best_trial);
  EXPECT_EQ(column(b, 1, "Retrain epochs"), "44");
  EXPECT_EQ(column(b, 1, "Test loss"), "0.36361244320869446");
  EXPECT_EQ(column(b, 1, "Test accuracy"), "0.8773000240325928");
  // Atomic writes leave no temporary files behind.
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST_F(Export, WithoutABestTrialNoBestTableIsLeft) {
  test::TempDir other;
  SweepRecord s;
  s.identity.space_toml = "trials = 1\n";
  s.trials = 1;
  auto st = Store::create(store_path(other.path()), s, {config(0)});
  test::write_file(other.file("best_trial.csv"), "stale\n");
  ExportedFiles f = export_store(*st, other.path());
  EXPECT_TRUE(f.best_trial.empty());
  EXPECT_FALSE(std::filesystem::exists(other.file("best_trial.csv")));
  EXPECT_EQ(read_csv(f.all_trials).size(), 2u);
}

TEST_F(Export, TheCommandWritesIntoAnotherDirectoryAndRefusesAMissingStore) {
  store_.reset();
  auto r = test::run_qrsweep("export '" + dir_.path() + "' --out '" + dir_.file("csv/x") + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("wrote " + dir_.file("csv/x/all_trials.csv")), std::string::npos)
      << r.output;
  EXPECT_EQ(read_csv(dir_.file("csv/x/all_trials.csv")).size(), 5u);
  EXPECT_EQ(read_csv(dir_.file("csv/x/best_trial.csv")).size(), 2u);
  auto missing = test::run_qrsweep("export '" + dir_.file("nothing") + "'");
  EXPECT_EQ(missing.status, 1) << missing.output;
  EXPECT_NE(missing.output.find("no sweep store in " + dir_.file("nothing")), std::string::npos)
      << missing.output;
}

TEST_F(Export, TheCommandOnlyReadsTheSweepDirectoryEvenWhenItIsReadOnly) {
  store_.reset();  // the sweep has ended
  auto names = [&] {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
      out.insert(e.path().filename().string());
    return out;
  };
  const std::set<std::string> before = names();
  ASSERT_EQ(before, std::set<std::string>{"store.sqlite"});
  const std::string path = store_path(dir_.path());
  const std::string bytes = test::read_file(path);
  const auto mtime = std::filesystem::last_write_time(path);
  test::TempDir out;
  // chmod stops writes for anyone but root; for root the checks below still catch any
  // file SQLite would create (-wal, -shm) or any byte it would change.
  ::chmod(dir_.path().c_str(), 0555);
  auto r = test::run_qrsweep("export '" + dir_.path() + "' --out '" + out.path() + "'");
  ::chmod(dir_.path().c_str(), 0755);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_csv(out.file("all_trials.csv")).size(), 5u);
  EXPECT_EQ(read_csv(out.file("best_trial.csv")).size(), 2u);
  EXPECT_EQ(names(), before) << "no -wal or -shm beside the store";
  EXPECT_EQ(test::read_file(path), bytes);
  EXPECT_EQ(std::filesystem::last_write_time(path), mtime);
}

}  // namespace
}  // namespace qrsweep
