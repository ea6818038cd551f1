// What `qrsweep sweep` does with the results a store already holds, end to end through the
// command line: it selects the trial with the lowest min val loss even where another trial
// has the highest accuracy, and it restarts interrupted trials from nothing, leaving no
// epoch row of their interrupted run behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "qrsweep/sweep.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

using ::testing::HasSubstr;

constexpr const char* kSpace =
    "trials = 4\nseed = 8\nmax_epochs = 3\npatience = 2\n"
    "[layer_size]\nlow = 4\nhigh = 8\n[batch_size]\nlow = 32\nhigh = 64\n";

class StoredResults : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 300, 60, 6, 3);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSpace, 60, 3));
  }
  // The store of a sweep in `out` that has not run a trial yet.
  std::unique_ptr<Store> create_store(const std::string& out) {
    SweepOptions so;
    so.space_path = dir_.file("space.toml");
    const SearchSpace s = resolve_space(so);
    return open_sweep_store(store_path(dir_.file(out)), s, Shard{}, make_plan(s),
                            data_identity(load_data(s.data)));
  }
  // Trial `i` finished with these results, one epoch row per epoch.
  static void finish(Store& s, int i, TrialStatus status, double min_loss, int loss_epoch,
                     double max_acc, int acc_epoch) {
    s.mark_running(i, "cpu");
    TrialRecord r = *s.trial(i);
    for (int e = 1; e <= 3; ++e) {
      EpochMetrics m;
      m.epoch = e;
      m.loss = m.val_loss = e == loss_epoch ? min_loss : min_loss + 0.1 * e;
      m.accuracy = m.val_accuracy = e == acc_epoch ? max_acc : max_acc - 0.05 * e;
      s.add_epoch(i, m);
    }
    r.status = status;
    r.min_val_loss = min_loss;
    r.min_val_loss_epoch = loss_epoch;
    r.max_val_accuracy = max_acc;
    r.max_val_accuracy_epoch = acc_epoch;
    r.epochs_run = 3;
    r.steps = 12;
    r.stop_reason = status == TrialStatus::kDiverged ? "diverged" : "max epochs";
    r.backend = "cpu";
    s.finish_trial(r);
  }
  test::RunResult sweep(const std::string& out) {
    return test::run_qrsweep("sweep --space '" + dir_.file("space.toml") + "' --out '" +
                             dir_.file(out) + "' --backend cpu --jobs 1 --threads 1");
  }
  test::TempDir dir_;
};

TEST_F(StoredResults, TheBestTrialIsTheLowestMinValLossNotTheHighestAccuracy) {
  {
    auto s = create_store("sel");
    finish(*s, 0, TrialStatus::kDone, 0.90, 3, 0.95, 3);  // highest accuracy
    finish(*s, 1, TrialStatus::kDone, 0.40, 1, 0.60, 2);  // lowest loss among done
    finish(*s, 2, TrialStatus::kDone, 0.70, 2, 0.80, 1);
    finish(*s, 3, TrialStatus::kDiverged, 0.10, 1, 0.99, 1);  // lower still, but diverged
  }
  auto r = sweep("sel");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("best trial 1;"));
  const std::string store = store_path(dir_.file("sel"));
  EXPECT_EQ(test::query_int(store, "SELECT trial FROM best"), 1);
  // Retrained for the best trial's own Max val accuracy epoch (2), not the others'.
  EXPECT_EQ(test::query_int(store, "SELECT retrain_epochs FROM best"), 2);
  EXPECT_THAT(r.output, HasSubstr("Min val loss : 0.4"));
}

TEST_F(StoredResults, InterruptedTrialsRestartFromNothingAndEndAsAnUninterruptedRun) {
  auto plain = sweep("plain");
  ASSERT_EQ(plain.status, 0) << plain.output;
  {
    // What a kill leaves: trial 1 running with two epochs of a run that never finished,
    // trial 2 queued but holding a stray epoch row; 0 and 3 not started.
    auto s = create_store("cut");
    s->mark_running(1, "cpu");
    EpochMetrics m;
    m.loss = m.val_loss = 42.0;
    m.accuracy = m.val_accuracy = 0.42;
    for (int e = 1; e <= 2; ++e) {
      m.epoch = e;
      s->add_epoch(1, m);
    }
    s->mark_running(2, "cpu");
    m.epoch = 1;
    s->add_epoch(2, m);
    s->requeue(2);
    ASSERT_EQ(s->epochs(1).size(), 2u);
  }
  const std::string cut = store_path(dir_.file("cut"));
  // requeue already dropped trial 2's row; put one back as a crash between writes would.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(cut.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "INSERT INTO epochs (trial, epoch, loss, accuracy, val_loss, "
                           "val_accuracy, seconds) VALUES (2, 7, 42, 0.42, 42, 0.42, 0)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto r = sweep("cut");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("4 to run, 1 interrupted ones restarted"));
  EXPECT_EQ(test::query_int(cut, "SELECT count(*) FROM epochs WHERE loss = 42"), 0);
  EXPECT_EQ(test::query_int(cut, "SELECT count(*) FROM epochs WHERE epoch > 3"), 0);
  const auto& skip = test::wall_clock_columns();
  const std::string whole = store_path(dir_.file("plain"));
  EXPECT_EQ(test::dump_table(cut, "trials", "trial", skip),
            test::dump_table(whole, "trials", "trial", skip));
  EXPECT_EQ(test::dump_table(cut, "epochs", "trial, epoch", skip),
            test::dump_table(whole, "epochs", "trial, epoch", skip));
  EXPECT_EQ(test::dump_table(cut, "best", "id", skip), test::dump_table(whole, "best", "id", skip));
}

}  // namespace
}  // namespace qrsweep
