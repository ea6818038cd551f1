// run_sweep in process on a tiny CSV dataset: results, selection and test, independence of
// --jobs, resume, refusal of other sweeps, diverged/failed trials, signals, shards.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <new>

#include "qrsweep/common.h"
#include "qrsweep/sweep.h"
#include "qrsweep/train_config.h"
#include "qrsweep/weights.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

constexpr const char* kSpace =
    "trials = 6\nseed = 4\nmax_epochs = 8\npatience = 2\n"
    "[layer_size]\nlow = 4\nhigh = 16\n"
    "[batch_size]\nlow = 16\nhigh = 64\n"
    "[learning_rate]\nlow = 0.001\nhigh = 0.01\n";

class Sweep : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 600, 200, 12, 3);
    write_space(kSpace);
  }
  void write_space(const std::string& body) {
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, body, 150, 3));
  }
  SweepOptions options(const std::string& out) const {
    SweepOptions o;
    o.space_path = dir_.file("space.toml");
    o.out_dir = dir_.file(out);
    o.backend = "cpu";
    o.jobs = 2;
    o.threads = 1;
    o.quiet = true;
    return o;
  }
  std::string store(const std::string& out) const { return store_path(dir_.file(out)); }
  std::vector<std::string> dump(const std::string& out, const std::string& table,
                                const std::string& order) const {
    return test::dump_table(store(out), table, order, test::wall_clock_columns());
  }
  void expect_same_results(const std::string& a, const std::string& b) const {
    EXPECT_EQ(dump(a, "trials", "trial"), dump(b, "trials", "trial"));
    EXPECT_EQ(dump(a, "epochs", "trial, epoch"), dump(b, "epochs", "trial, epoch"));
    EXPECT_EQ(dump(a, "best", "id"), dump(b, "best", "id"));
  }
  test::TempDir dir_;
};

TEST_F(Sweep, RunsEveryTrialThenRetrainsAndTestsTheBest) {
  SweepOutcome out = run_sweep(options("s"));
  EXPECT_EQ(out.exit_status, 0);
  EXPECT_EQ(out.trials_run, 6);
  EXPECT_EQ(out.trials_kept, 0);
  ASSERT_TRUE(out.test);

  auto st = Store::open(store("s"), true);
  const std::vector<TrialRecord> trials = st->trials();
  ASSERT_EQ(trials.size(), 6u);
  const TrialRecord* best = nullptr;
  for (const TrialRecord& t : trials) {
    EXPECT_EQ(t.status, TrialStatus::kDone) << t.config.index << " " << t.error;
    EXPECT_EQ(t.backend, "cpu");
    // The result columns agree with the stored epochs (first minimum / maximum wins).
    const std::vector<EpochMetrics> ep = st->epochs(t.config.index);
    ASSERT_EQ(static_cast<int>(ep.size()), t.epochs_run);
    ASSERT_GE(t.epochs_run, 1);
    int min_epoch = 0, max_epoch = 0;
    for (const auto& m : ep) {
      if (min_epoch == 0 || m.val_loss < ep[min_epoch - 1].val_loss) min_epoch = m.epoch;
      if (max_epoch == 0 || m.val_accuracy > ep[max_epoch - 1].val_accuracy) max_epoch = m.epoch;
    }
    EXPECT_EQ(t.min_val_loss_epoch, min_epoch);
    EXPECT_EQ(t.min_val_loss, ep[min_epoch - 1].val_loss);
    EXPECT_EQ(t.max_val_accuracy_epoch, max_epoch);
    EXPECT_EQ(t.max_val_accuracy, ep[max_epoch - 1].val_accuracy);
    EXPECT_TRUE(t.stop_reason == "early stopping" || t.stop_reason == "max epochs")
        << t.stop_reason;
    if (t.stop_reason == "max epochs") {
      EXPECT_EQ(t.epochs_run, 8);
    }
    if (!best || t.min_val_loss < best->min_val_loss) best = &t;
  }
  ASSERT_TRUE(best);
  auto test = st->test();
  ASSERT_TRUE(test);
  EXPECT_EQ(test->trial, best->config.index);
  EXPECT_EQ(test->retrain_epochs, best->max_val_accuracy_epoch);
  EXPECT_GT(test->test_accuracy, 0.4);  // three classes: chance is 1/3
  EXPECT_LE(test->test_accuracy, 1.0);
  EXPECT_TRUE(std::isfinite(test->test_loss));

  // The weights have the best trial's shape; the config file trains the same trial.
  Weights w = load_safetensors(dir_.file("s/best.safetensors"));
  EXPECT_EQ(w.widths(), best->config.widths(12, 3));
  TrainConfig tc = parse_train_config(dir_.file("s/best_trial.toml"));
  const TrialConfig& c = tc.trial;
  EXPECT_EQ(c.index, best->config.index);
  EXPECT_EQ(c.seed, best->config.seed);
  EXPECT_EQ(c.structure, best->config.structure);
  EXPECT_EQ(c.hidden_layers, best->config.hidden_layers);
  EXPECT_EQ(c.sizes, best->config.sizes);
  EXPECT_EQ(c.activation, best->config.activation);
  EXPECT_EQ(c.dropout, best->config.dropout);
  EXPECT_EQ(c.dropout_rate, best->config.dropout_rate);
  EXPECT_EQ(c.learning_rate, best->config.learning_rate);
  EXPECT_EQ(c.momentum, best->config.momentum);
  EXPECT_EQ(c.batch_size, best->config.batch_size);
  EXPECT_EQ(tc.data.train_csv, dir_.file("train.csv"));
  EXPECT_EQ(tc.data.validation, 150);
}

TEST_F(Sweep, ResultsDoNotDependOnHowManyTrialsRunAtOnce) {
  SweepOptions one = options("one");
  one.jobs = 1;
  SweepOptions three = options("three");
  three.jobs = 3;
  run_sweep(one);
  run_sweep(three);
  expect_same_results("one", "three");
}

TEST_F(Sweep, ResumingAFinishedSweepRedoesNothing) {
  run_sweep(options("s"));
  const auto trials = test::dump_table(store("s"), "trials", "trial", {});
  const auto best = test::dump_table(store("s"), "best", "id", {});
  const std::string weights = test::read_file(dir_.file("s/best.safetensors"));
  SweepOutcome again = run_sweep(options("s"));
  EXPECT_EQ(again.exit_status, 0);
  EXPECT_EQ(again.trials_run, 0);
  EXPECT_EQ(again.trials_kept, 6);
  ASSERT_TRUE(again.test);
  // Wall-clock columns included: nothing was rewritten.
  EXPECT_EQ(test::dump_table(store("s"), "trials", "trial", {}), trials);
  EXPECT_EQ(test::dump_table(store("s"), "best", "id", {}), best);
  EXPECT_EQ(test::read_file(dir_.file("s/best.safetensors")), weights);
}

TEST_F(Sweep, RefusesADirectoryHoldingAnotherSweepAndSaysWhatDiffers) {
  run_sweep(options("s"));
  const auto before = test::dump_table(store("s"), "trials", "trial", {});
  auto expect_refused = [&](SweepOptions o, const std::string& diff) {
    try {
      run_sweep(o);
      ADD_FAILURE() << "accepted a different sweep";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(diff), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("holds another sweep"), std::string::npos) << e.what();
    }
  };
  SweepOptions seed = options("s");
  seed.seed = 5;
  expect_refused(seed, "seed: 4 -> 5");
  SweepOptions trials = options("s");
  trials.trials = 7;
  expect_refused(trials, "trials: 6 -> 7");
  write_space("activations = [\"relu\"]\n" + std::string(kSpace));
  expect_refused(options("s"), "activations: [\"relu\", \"tanh\", \"sigmoid\"] -> [\"relu\"]");
  EXPECT_EQ(test::dump_table(store("s"), "trials", "trial", {}), before);
}

TEST_F(Sweep, DivergedTrialsEndAndTheSweepGoesOn) {
  write_space(
      "trials = 8\nseed = 3\nmax_epochs = 4\npatience = 2\nactivations = [\"relu\"]\n"
      "[layer_size]\nlow = 8\nhigh = 32\n[batch_size]\nlow = 16\nhigh = 64\n"
      "[learning_rate]\nlow = 0.001\nhigh = 1e25\nscale = \"log\"\n");
  SweepOutcome out = run_sweep(options("s"));
  ASSERT_TRUE(out.test);
  auto st = Store::open(store("s"), true);
  int diverged = 0, done = 0;
  for (const TrialRecord& t : st->trials()) {
    if (t.status == TrialStatus::kDiverged) {
      ++diverged;
      EXPECT_EQ(t.stop_reason, "diverged");
      const auto ep = st->epochs(t.config.index);
      ASSERT_EQ(static_cast<int>(ep.size()), t.epochs_run);
      ASSERT_FALSE(ep.empty());
      EXPECT_FALSE(std::isfinite(ep.back().loss) && std::isfinite(ep.back().val_loss));
      EXPECT_NE(out.test->trial, t.config.index);
    } else {
      EXPECT_EQ(t.status, TrialStatus::kDone);
      ++done;
    }
  }
  EXPECT_GE(diverged, 1);
  EXPECT_GE(done, 1);
  EXPECT_EQ(st->trial(out.test->trial)->status, TrialStatus::kDone);
}

TEST_F(Sweep, NoUsableTrialIsAnErrorAfterEveryTrialIsStored) {
  SweepOptions o = options("s");
  o.after_epoch = [](const TrialConfig& c, const EpochMetrics&) {
    throw Error("injected fault in trial " + std::to_string(c.index));
  };
  try {
    run_sweep(o);
    FAIL() << "no trial can be tested";
  } catch (const ConfigError&) {
    FAIL() << "not a config error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("6 failed"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nothing to test"), std::string::npos) << e.what();
  }
  auto st = Store::open(store("s"), true);
  EXPECT_EQ(st->count(TrialStatus::kFailed), 6);
  EXPECT_EQ(st->trial(5)->error, "injected fault in trial 5");
  EXPECT_FALSE(st->test());
}

TEST_F(Sweep, AnErrorInsideATrialFailsOnlyThatTrial) {
  SweepOptions o = options("s");
  o.after_epoch = [](const TrialConfig& c, const EpochMetrics& m) {
    if (c.index == 2 && m.epoch == 2) throw Error("injected fault in trial 2");
    if (c.index == 4 && m.epoch == 1) throw std::bad_alloc();
  };
  SweepOutcome out = run_sweep(o);
  ASSERT_TRUE(out.test);
  EXPECT_NE(out.test->trial, 2);
  EXPECT_NE(out.test->trial, 4);
  auto st = Store::open(store("s"), true);
  auto t2 = st->trial(2);
  EXPECT_EQ(t2->status, TrialStatus::kFailed);
  EXPECT_EQ(t2->error, "injected fault in trial 2");
  EXPECT_EQ(t2->stop_reason, "error");
  EXPECT_EQ(t2->epochs_run, 2);
  EXPECT_EQ(st->epochs(2).size(), 2u);  // what it did before failing is kept
  auto t4 = st->trial(4);
  EXPECT_EQ(t4->status, TrialStatus::kFailed);
  EXPECT_NE(t4->error.find("out of memory"), std::string::npos) << t4->error;
  EXPECT_EQ(st->count(TrialStatus::kDone), 4);

  // A failed trial is finished: resuming keeps it and reruns nothing.
  SweepOutcome again = run_sweep(options("s"));
  EXPECT_EQ(again.trials_run, 0);
  EXPECT_EQ(Store::open(store("s"), true)->trial(2)->status, TrialStatus::kFailed);
}

TEST_F(Sweep, ASignalStopsAtTheNextEpochRequeuesAndResumeFinishesTheSameSweep) {
  run_sweep(options("ref"));
  SweepOptions o = options("s");
  o.jobs = 1;
  o.after_epoch = [](const TrialConfig& c, const EpochMetrics& m) {
    if (c.index == 1 && m.epoch == 2) std::raise(SIGTERM);
  };
  SweepOutcome out = run_sweep(o);
  EXPECT_EQ(out.exit_status, 128 + SIGTERM);
  EXPECT_FALSE(out.test);
  {
    auto st = Store::open(store("s"), true);
    EXPECT_EQ(st->trial(0)->status, TrialStatus::kDone);
    EXPECT_EQ(st->trial(1)->status, TrialStatus::kQueued);
    EXPECT_TRUE(st->epochs(1).empty());
    EXPECT_EQ(st->count(TrialStatus::kRunning), 0);
    EXPECT_EQ(st->count(TrialStatus::kQueued), 5);
  }
  SweepOutcome resumed = run_sweep(options("s"));
  EXPECT_EQ(resumed.exit_status, 0);
  EXPECT_EQ(resumed.trials_kept, 1);
  EXPECT_EQ(resumed.trials_run, 5);
  expect_same_results("ref", "s");
}

TEST_F(Sweep, ShardsHoldExactlyTheirRowsWithTheWholeSweepsValues) {
  run_sweep(options("whole"));
  std::vector<std::string> rows;
  for (int i = 0; i < 2; ++i) {
    SweepOptions o = options("sharded");
    o.shard = Shard{i, 2};
    SweepOutcome out = run_sweep(o);
    EXPECT_FALSE(out.test);  // selection waits for the merge
    const std::string path = shard_store_path(dir_.file("sharded"), i, 2);
    auto st = Store::open(path, true);
    EXPECT_EQ(st->sweep().identity.shard_index, i);
    EXPECT_EQ(st->sweep().trials, 6);
    for (const TrialRecord& t : st->trials()) EXPECT_EQ(t.config.index % 2, i);
    auto r = test::dump_table(path, "trials", "trial", test::wall_clock_columns());
    EXPECT_EQ(r.size(), 3u);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  std::sort(rows.begin(), rows.end());
  auto whole = dump("whole", "trials", "trial");
  std::sort(whole.begin(), whole.end());
  EXPECT_EQ(rows, whole);
}

TEST(SelectBest, LowestMinValLossAmongDoneTrialsTiesToTheLowerIndex) {
  auto rec = [](int index, TrialStatus s, double loss) {
    TrialRecord r;
    r.config.index = index;
    r.status = s;
    r.min_val_loss = loss;
    r.max_val_accuracy_epoch = 3;
    return r;
  };
  EXPECT_FALSE(select_best({}));
  EXPECT_FALSE(select_best({rec(0, TrialStatus::kDiverged, 0.1), rec(1, TrialStatus::kFailed, 0.1),
                            rec(2, TrialStatus::kQueued, 0.1)}));
  EXPECT_FALSE(select_best({rec(0, TrialStatus::kDone, std::nan(""))}));
  auto b = select_best({rec(0, TrialStatus::kDone, 0.5), rec(1, TrialStatus::kDiverged, 0.1),
                        rec(2, TrialStatus::kFailed, 0.2), rec(3, TrialStatus::kDone, 0.3),
                        rec(4, TrialStatus::kDone, 0.3), rec(5, TrialStatus::kDone, 0.4)});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->config.index, 3);
  auto c = select_best({rec(7, TrialStatus::kDone, 0.3), rec(2, TrialStatus::kDone, 0.3)});
  EXPECT_EQ(c->config.index, 2);
}

}  // namespace
}  // namespace qrsweep
