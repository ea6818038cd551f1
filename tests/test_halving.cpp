// Successive halving: the [schedule] table, the rules (halving.h) as a pure function, pause
// and continue bit for bit, the paused-trial file, and whole sweeps that decide the same
// for any job count, after a kill -9 and resume, and in shards merged.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "device/device_backend.h"
#include "qrsweep/common.h"
#include "qrsweep/export.h"
#include "qrsweep/merge.h"
#include "qrsweep/report.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "qrsweep/sweep.h"
#include "sweep/halving.h"
#include "sweep/pause_file.h"
#include "sweep/progress.h"
#include "sweep/trial_pool.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

using halving::Action;
using halving::TrialState;

// ---- the [schedule] table ----------------------------------------------------------

std::string config_error(const std::string& text) {
  try {
    parse_space_text(text, "s.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(HalvingSchedule, DefaultsToTheFullScheduleAndLeavesTheIdentityAsItWas) {
  const SearchSpace s = parse_space_text("", "s.toml");
  EXPECT_EQ(s.schedule.kind, ScheduleKind::kFull);
  EXPECT_EQ(s.schedule.min_epochs, 1);
  EXPECT_EQ(s.schedule.eta, 3);
  EXPECT_EQ(s.schedule.cohort, 0);
  EXPECT_EQ(to_toml(s).find("schedule"), std::string::npos);
  EXPECT_EQ(schedule_rungs(s.schedule, 100), std::vector<int>{100});
}

TEST(HalvingSchedule, ReadsTheTableRoundTripsAndTellsDifferences) {
  const SearchSpace s = parse_space_text(
      "max_epochs = 30\n[schedule]\nkind = \"halving\"\nmin_epochs = 2\neta = 2\ncohort = 8\n",
      "s.toml");
  EXPECT_EQ(s.schedule.kind, ScheduleKind::kHalving);
  EXPECT_EQ(s.schedule.min_epochs, 2);
  EXPECT_EQ(s.schedule.eta, 2);
  EXPECT_EQ(s.schedule.cohort, 8);
  const SearchSpace back = parse_space_text(to_toml(s), "back");
  EXPECT_EQ(back.schedule, s.schedule);
  EXPECT_EQ(to_toml(back), to_toml(s));
  const std::vector<std::string> d = diff_spaces(parse_space_text("max_epochs = 30", "a"), s);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0], "schedule.kind: \"full\" -> \"halving\"");
  EXPECT_EQ(d[1], "schedule.min_epochs: 1 -> 2");
}

TEST(HalvingSchedule, RefusesBadValuesNamingKeyAndValue) {
  EXPECT_NE(config_error("[schedule]\nkind = \"hyperband\"\ncohort = 9\n")
                .find("schedule.cohort = 9: must be 0 with kind = \"hyperband\""),
            std::string::npos);
  EXPECT_NE(config_error("[schedule]\nkind = \"fast\"\n").find("schedule.kind = \"fast\""),
            std::string::npos);
  EXPECT_NE(config_error("[schedule]\neta = 1\n").find("schedule.eta = 1: must be >= 2"),
            std::string::npos);
  EXPECT_NE(config_error("[schedule]\nmin_epochs = 0\n").find("schedule.min_epochs = 0"),
            std::string::npos);
  EXPECT_NE(config_error("[schedule]\ncohort = -1\n").find("schedule.cohort = -1"),
            std::string::npos);
  EXPECT_NE(config_error("[schedule]\nkind = \"halving\"\ncohort = 2\n")
                .find("schedule.cohort = 2: must be 0 (automatic) or >= eta = 3"),
            std::string::npos);
  EXPECT_NE(config_error("max_epochs = 5\n[schedule]\nkind = \"halving\"\nmin_epochs = 5\n")
                .find("schedule.min_epochs = 5: must be below max_epochs = 5"),
            std::string::npos);
  EXPECT_NE(config_error("[schedule]\nrate = 3\n").find("schedule.rate = 3: unknown key"),
            std::string::npos);
  EXPECT_NE(config_error("[schedule]\neta = \"3\"\n").find("expected an integer"),
            std::string::npos);
}

TEST(HalvingSchedule, RungsAndCohorts) {
  Schedule h;
  h.kind = ScheduleKind::kHalving;
  EXPECT_EQ(schedule_rungs(h, 100), (std::vector<int>{1, 3, 9, 27, 81, 100}));
  EXPECT_EQ(schedule_rungs(h, 81), (std::vector<int>{1, 3, 9, 27, 81}));
  EXPECT_EQ(cohort_size(h, 100, 300), 243);  // 3^5: one trial of 243 reaches epoch 100
  EXPECT_EQ(cohort_size(h, 100, 50), 50);
  h.min_epochs = 2;
  EXPECT_EQ(schedule_rungs(h, 20), (std::vector<int>{2, 6, 18, 20}));
  EXPECT_EQ(cohort_size(h, 20, 300), 27);
  h.cohort = 10;
  EXPECT_EQ(cohort_size(h, 20, 300), 10);
  EXPECT_EQ(halving::rung_of({2, 6, 18, 20}, 0), 0);
  EXPECT_EQ(halving::rung_of({2, 6, 18, 20}, 2), 0);
  EXPECT_EQ(halving::rung_of({2, 6, 18, 20}, 5), 1);
  EXPECT_EQ(halving::rung_of({2, 6, 18, 20}, 20), 3);
}

TEST(HalvingSchedule, HyperbandCyclesThroughItsBrackets) {
  Schedule h;
  h.kind = ScheduleKind::kHyperband;
  // Rungs 1, 3, 9, then 10: R = 3 halvings at most, four brackets of
  // ceil(4 / (s + 1)) * 3^s trials for s = 3, 2, 1, 0: 27, 18, 6 and 4; a period of 55.
  EXPECT_EQ(schedule_rungs(h, 10), (std::vector<int>{1, 3, 9, 10}));
  const int sizes[] = {27, 18, 6, 4};
  int index = 0;
  for (int cycle = 0; cycle < 2; ++cycle)
    for (int b = 0; b < 4; ++b) {
      const Cohort first = cohort_of(h, 10, 200, index);
      const Cohort last = cohort_of(h, 10, 200, index + sizes[b] - 1);
      EXPECT_EQ(first.number, cycle * 4 + b);
      EXPECT_EQ(first.first, index);
      EXPECT_EQ(first.size, sizes[b]);
      EXPECT_EQ(first.first_rung, b);
      EXPECT_EQ(last.number, first.number);
      index += sizes[b];
    }
  const Cohort cut = cohort_of(h, 10, 120, 110);  // the third cycle's first, cut by the plan
  EXPECT_EQ(cut.first, 110);
  EXPECT_EQ(cut.size, 10);
  EXPECT_EQ(cut.first_rung, 0);
  const SearchSpace s = parse_space_text(
      "trials = 60\nmax_epochs = 10\n[schedule]\nkind = \"hyperband\"\n", "s.toml");
  EXPECT_EQ(halving::trial_rung(s, 50, 2), 2);  // bracket 2 (45..50) starts at rung 2
  EXPECT_EQ(halving::trial_rung(s, 52, 2), 3);  // bracket 3 trains to 10 epochs: rung 3
  EXPECT_EQ(halving::trial_rung(s, 30, 3), 1);  // bracket 1 starts at rung 1
  EXPECT_EQ(halving::trial_rung(s, 3, 3), 1);
}

TEST(HalvingSchedule, AShardHoldsWholeCohorts) {
  SearchSpace s = parse_space_text(
      "trials = 20\nmax_epochs = 9\n[schedule]\nkind = \"halving\"\ncohort = 3\n", "s.toml");
  const std::vector<TrialConfig> all = make_plan(s);
  std::vector<int> got;
  for (const TrialConfig& c : make_plan_rows(s, 1, 3)) {
    got.push_back(c.index);
    EXPECT_TRUE(c == all[c.index]);
  }
  EXPECT_EQ(got, (std::vector<int>{3, 4, 5, 12, 13, 14}));
  s.schedule = Schedule{};  // the full schedule's shards interleave as before
  got.clear();
  for (const TrialConfig& c : make_plan_rows(s, 1, 3)) got.push_back(c.index);
  EXPECT_EQ(got, (std::vector<int>{1, 4, 7, 10, 13, 16, 19}));
}

// ---- the rules -----------------------------------------------------------------------

TrialState trial(int index, std::vector<double> losses, bool ended = false) {
  TrialState t;
  t.index = index;
  t.val_losses = std::move(losses);
  t.ended = ended;
  return t;
}

const std::vector<int> kRungs = {1, 3, 9};

TEST(HalvingRules, TrainsToTheFirstRungAndWaitsThereForTheWholeCohort) {
  const auto d = halving::decide(kRungs, 3, {trial(0, {}), trial(1, {0.5}), trial(2, {})});
  EXPECT_EQ(d[0].action, Action::kTrain);
  EXPECT_EQ(d[0].epochs, 1);
  EXPECT_EQ(d[1].action, Action::kWait);
  EXPECT_EQ(d[1].rung, 0);
  EXPECT_EQ(d[2].action, Action::kTrain);
}

TEST(HalvingRules, PromotesTheBestThirdHalvesTheRest) {
  // Six trials at rung 0: the best two go on to 3 epochs.
  std::vector<TrialState> c;
  const double loss[] = {0.9, 0.4, 0.7, 0.3, 0.8, 0.5};
  for (int i = 0; i < 6; ++i) c.push_back(trial(10 + i, {loss[i]}));
  const auto d = halving::decide(kRungs, 3, c);
  for (int i = 0; i < 6; ++i) {
    const bool best = i == 1 || i == 3;
    EXPECT_EQ(d[i].action, best ? Action::kTrain : Action::kHalve) << i;
    EXPECT_EQ(d[i].rung, best ? 1 : 0) << i;
    EXPECT_EQ(d[i].epochs, best ? 3 : 1) << i;
  }
}

TEST(HalvingRules, RanksByMinLossUpToTheRungTiesToTheLowerIndexNanLast) {
  // Rung 1 (3 epochs) with three entrants: one goes on. Trial 7's min (0.2) comes after
  // the rung and does not count; 5 and 6 tie at 0.3: 5 wins.
  std::vector<TrialState> c = {
      trial(5, {0.5, 0.3, 0.4}), trial(6, {0.3, 0.6, 0.6}), trial(7, {0.9, 0.8, 0.7, 0.2}, true),
      trial(8, {NAN}),  // halved at rung 0 (NaN ranks last)
      trial(9, {0.95}),          trial(10, {0.99}),         trial(11, {0.97}),
      trial(12, {0.98}),         trial(13, {0.96})};
  c[7].ended = c[8].ended = true;
  c[4].ended = c[5].ended = c[6].ended = true;
  c[3].ended = true;
  const auto d = halving::decide(kRungs, 3, c);
  EXPECT_EQ(d[0].action, Action::kTrain);
  EXPECT_EQ(d[0].epochs, 9);
  EXPECT_EQ(d[1].action, Action::kHalve);
  EXPECT_EQ(d[1].rung, 1);
  EXPECT_EQ(d[2].action, Action::kNone);  // ended: never halved
  for (int i = 3; i < 9; ++i) EXPECT_EQ(d[i].action, Action::kNone) << i;
}

TEST(HalvingRules, ATrialThatEndedInsideARungKeepsItsSlotButGoesNoFurther) {
  // Early stopping ended trial 0 at epoch 1 with the best loss: it is ranked first, is
  // not halved and does not train on; the second slot is not passed down the ranking.
  std::vector<TrialState> c = {trial(0, {0.1}, true), trial(1, {0.2}), trial(2, {0.3}),
                               trial(3, {0.4}),       trial(4, {0.5}), trial(5, {0.6})};
  const auto d = halving::decide(kRungs, 3, c);
  EXPECT_EQ(d[0].action, Action::kNone);
  EXPECT_EQ(d[1].action, Action::kTrain);
  for (int i = 2; i < 6; ++i) EXPECT_EQ(d[i].action, Action::kHalve) << i;
}

TEST(HalvingRules, TheSameAnswersWhateverTheOrderAndOnceLaterRungsAreKnown) {
  std::vector<TrialState> c;
  for (int i = 0; i < 9; ++i) c.push_back(trial(i, {1.0 - 0.05 * ((i * 5) % 9)}));
  auto d = halving::decide(kRungs, 3, c);
  std::vector<int> promoted;
  for (int i = 0; i < 9; ++i)
    if (d[i].action == Action::kTrain) promoted.push_back(i);
  ASSERT_EQ(promoted.size(), 3u);
  // The promoted trials report at rung 1; the halved ones are ended. Reversed order.
  for (int i = 0; i < 9; ++i) {
    if (d[i].action == Action::kHalve) c[i].ended = true;
    if (d[i].action == Action::kTrain) {
      c[i].val_losses.push_back(0.3 + 0.01 * i);
      c[i].val_losses.push_back(0.3 + 0.01 * i);
    }
  }
  std::vector<TrialState> rev(c.rbegin(), c.rend());
  const auto r = halving::decide(kRungs, 3, rev);
  int trained = 0;
  for (int i = 0; i < 9; ++i) {
    const auto& x = r[8 - i];
    if (x.action == Action::kTrain) {
      ++trained;
      EXPECT_EQ(i, promoted[0]);  // the lowest loss at rung 1: 0.3 + 0.01 i, least i
      EXPECT_EQ(x.epochs, 9);
    }
    if (std::find(promoted.begin(), promoted.end(), i) == promoted.end()) {
      EXPECT_EQ(x.action, Action::kNone) << i;
    }
  }
  EXPECT_EQ(trained, 1);
}

// ---- pause and continue ----------------------------------------------------------------

// On the CPU backend and on the device session (the CUDA backend's, here over the host
// reference executor): each keeps its optimizer state where pausing can read it back.
std::unique_ptr<Backend> backend_named(const std::string& name) {
  if (name == "cpu") return make_backend("cpu", BackendOptions{1});
  return make_device_backend(make_reference_executor(), "host reference executor");
}

class HalvingPause : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    data_ = test::synthetic_dataset(600, 20, 4, 5);
    cfg_ = test::small_trial_config();
    cfg_.max_epochs = 7;
    backend_ = backend_named(GetParam());
    all_ = data_.view();
    val_ = all_.rows(0, 100);
    fit_ = all_.rows(100, 500);
  }
  static void expect_same_epochs(const std::vector<EpochMetrics>& a,
                                 const std::vector<EpochMetrics>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].epoch, b[i].epoch);
      EXPECT_EQ(a[i].loss, b[i].loss) << i;
      EXPECT_EQ(a[i].accuracy, b[i].accuracy) << i;
      EXPECT_EQ(a[i].val_loss, b[i].val_loss) << i;
      EXPECT_EQ(a[i].val_accuracy, b[i].val_accuracy) << i;
    }
  }
  Dataset data_;
  DatasetView all_, val_, fit_;
  TrialConfig cfg_;
  std::unique_ptr<Backend> backend_;
  test::TempDir dir_;
};

TEST_P(HalvingPause, AContinuedTrialEqualsAnUninterruptedOneBitForBit) {
  auto whole = backend_->open(cfg_, fit_);
  const TrialResult straight = train_trial(*whole, cfg_, fit_, val_, TrainOptions{});
  ASSERT_EQ(straight.history.size(), 7u);

  // Paused after 2 epochs, written to its file, read back into a new session, continued.
  auto first = backend_->open(cfg_, fit_);
  TrainOptions opt;
  opt.pause_after = 2;
  const TrialResult part = train_trial(*first, cfg_, fit_, val_, opt);
  EXPECT_EQ(part.reason, StopReason::kPaused);
  ASSERT_EQ(part.history.size(), 2u);
  sweep_detail::PausedTrial p;
  p.trial = cfg_.index;
  p.so_far = part;
  p.weights = first->weights();
  p.optimizer = first->optimizer_state();
  ASSERT_FALSE(p.optimizer.empty());
  sweep_detail::write_paused(dir_.path(), p);
  first.reset();

  std::string problem;
  const auto back =
      sweep_detail::read_paused(dir_.path(), cfg_.index, cfg_.widths(20, 4), &problem);
  ASSERT_TRUE(back) << problem;
  auto second = backend_->open(cfg_, fit_);
  second->set_weights(back->weights);
  second->set_optimizer_state(back->optimizer);
  TrainOptions more;
  more.resume = &back->so_far;
  more.pause_after = 5;
  const TrialResult mid = train_trial(*second, cfg_, fit_, val_, more);
  EXPECT_EQ(mid.reason, StopReason::kPaused);
  TrainOptions rest;
  rest.resume = &mid;
  const TrialResult end = train_trial(*second, cfg_, fit_, val_, rest);
  EXPECT_EQ(end.reason, straight.reason);
  EXPECT_EQ(end.steps, straight.steps);
  expect_same_epochs(end.history, straight.history);
  EXPECT_EQ(second->weights().layers[0].w, whole->weights().layers[0].w);
  EXPECT_EQ(second->weights().layers[2].b, whole->weights().layers[2].b);
  EXPECT_EQ(second->optimizer_state(), whole->optimizer_state());
}

TEST_P(HalvingPause, WithoutItsOptimizerStateTheContinuationDiffers) {
  // The check above can fail: momentum and mean squares matter.
  auto whole = backend_->open(cfg_, fit_);
  const TrialResult straight = train_trial(*whole, cfg_, fit_, val_, TrainOptions{});
  auto first = backend_->open(cfg_, fit_);
  TrainOptions opt;
  opt.pause_after = 2;
  const TrialResult part = train_trial(*first, cfg_, fit_, val_, opt);
  auto second = backend_->open(cfg_, fit_);
  second->set_weights(first->weights());
  TrainOptions rest;
  rest.resume = &part;
  const TrialResult end = train_trial(*second, cfg_, fit_, val_, rest);
  ASSERT_EQ(end.history.size(), straight.history.size());
  EXPECT_NE(end.history[2].loss, straight.history[2].loss);
}

TEST_P(HalvingPause, EarlyStoppingCountsTheEpochsBeforeThePause) {
  cfg_.patience = 1;
  cfg_.learning_rate = 0.05;  // noisy: some epoch fails to improve
  cfg_.max_epochs = 12;
  auto whole = backend_->open(cfg_, fit_);
  const TrialResult straight = train_trial(*whole, cfg_, fit_, val_, TrainOptions{});
  ASSERT_EQ(straight.reason, StopReason::kEarlyStopping);
  ASSERT_GE(straight.history.size(), 2u);
  // Pause right before the stopping epoch, continue: it stops at the same epoch.
  auto s = backend_->open(cfg_, fit_);
  TrainOptions opt;
  opt.pause_after = static_cast<int>(straight.history.size()) - 1;
  const TrialResult part = train_trial(*s, cfg_, fit_, val_, opt);
  TrainOptions rest;
  rest.resume = &part;
  const TrialResult end = train_trial(*s, cfg_, fit_, val_, rest);
  EXPECT_EQ(end.reason, StopReason::kEarlyStopping);
  expect_same_epochs(end.history, straight.history);
}

TEST_P(HalvingPause, ADamagedOrForeignFileIsNotUsed) {
  auto s = backend_->open(cfg_, fit_);
  TrainOptions opt;
  opt.pause_after = 1;
  sweep_detail::PausedTrial p;
  p.trial = cfg_.index;
  p.so_far = train_trial(*s, cfg_, fit_, val_, opt);
  p.weights = s->weights();
  p.optimizer = s->optimizer_state();
  sweep_detail::write_paused(dir_.path(), p);
  const std::string path = sweep_detail::paused_path(dir_.path(), cfg_.index);
  std::string problem;
  EXPECT_FALSE(sweep_detail::read_paused(dir_.path(), 5, cfg_.widths(20, 4), &problem));
  EXPECT_TRUE(problem.empty());  // trial 5 has no file
  std::string bytes = test::read_file(path);
  bytes[bytes.size() / 2] ^= 1;
  test::write_file(path, bytes);
  EXPECT_FALSE(sweep_detail::read_paused(dir_.path(), cfg_.index, cfg_.widths(20, 4), &problem));
  EXPECT_NE(problem.find("checksum"), std::string::npos) << problem;
  test::write_file(path, bytes.substr(0, 40));
  EXPECT_FALSE(sweep_detail::read_paused(dir_.path(), cfg_.index, cfg_.widths(20, 4), &problem));
}

TEST_P(HalvingPause, AWrongSizedOptimizerStateIsRefused) {
  auto s = backend_->open(cfg_, fit_);
  std::vector<float> state = s->optimizer_state();
  ASSERT_FALSE(state.empty());
  state.pop_back();
  EXPECT_THROW(s->set_optimizer_state(state), Error);
}

INSTANTIATE_TEST_SUITE_P(Backends, HalvingPause, ::testing::Values("cpu", "reference"));

// ---- whole sweeps ------------------------------------------------------------------------

constexpr const char* kHalvingSpace =
    "trials = 14\nseed = 3\nmax_epochs = 9\npatience = 3\n"
    "[layer_size]\nlow = 8\nhigh = 24\n"
    "[batch_size]\nlow = 16\nhigh = 64\n"
    "[schedule]\nkind = \"halving\"\nmin_epochs = 1\neta = 3\ncohort = 6\n";

class HalvingSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 900, 200, 12, 3);
    write_space("space.toml", kHalvingSpace);
  }
  void write_space(const std::string& name, const std::string& body) {
    test::write_file(dir_.file(name), test::tiny_space(dir_, body, 200, 3));
  }
  SweepOptions options(const std::string& out, int jobs) const {
    SweepOptions o;
    o.space_path = dir_.file("space.toml");
    o.out_dir = dir_.file(out);
    o.backend = "cpu";
    o.jobs = jobs;
    o.threads = 1;
    o.quiet = true;
    return o;
  }
  // The exported table without its Seconds column.
  std::string table(const std::string& out) const {
    const auto st = Store::open(store_path(dir_.file(out)), true);
    const SearchSpace space = stored_space(st->path(), st->sweep());
    Table t = trials_table(st->trials(), &space);
    std::string s;
    for (const auto& row : t.rows) {
      for (size_t c = 0; c < row.size(); ++c)
        if (t.columns[c] != "Seconds") s += row[c].text + ",";
      s += "\n";
    }
    return s;
  }
  // The sweep in `count` shards into OUT, then merged there.
  void run_shards_and_merge(const std::string& out, int count) const {
    for (int i = 0; i < count; ++i) {
      SweepOptions o = options(out, 2);
      o.shard = Shard{i, count};
      run_sweep(o);
    }
    MergeOptions m;
    m.out_dir = dir_.file(out);
    m.backend = "cpu";
    m.quiet = true;
    merge_sweep(m);
  }
  std::vector<std::string> epochs(const std::string& out) const {
    return test::dump_table(store_path(dir_.file(out)), "epochs", "trial, epoch",
                            test::wall_clock_columns());
  }
  test::TempDir dir_;
};

TEST_F(HalvingSweep, DecidesTheSameForOneAndTwoJobsAndTrainsPrefixesOfTheFullRuns) {
  run_sweep(options("one", 1));
  const SweepOutcome two = run_sweep(options("two", 2));
  EXPECT_TRUE(two.test);
  EXPECT_EQ(table("one"), table("two"));
  EXPECT_EQ(epochs("one"), epochs("two"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("two/paused/trial-0.bin")));

  const std::string t = table("two");
  EXPECT_NE(t.find("halved at rung 0"), std::string::npos) << t;
  EXPECT_NE(t.find("halved at rung 1"), std::string::npos) << t;

  // The same plan on the full schedule: every halving trial's epochs are the first epochs
  // of its uninterrupted run (the schedule does not change the plan).
  std::string full = kHalvingSpace;
  full = full.substr(0, full.find("[schedule]"));
  write_space("space.toml", full);
  run_sweep(options("full", 2));
  const auto st = Store::open(store_path(dir_.file("two")), true);
  const auto fs = Store::open(store_path(dir_.file("full")), true);
  int continued = 0;
  for (const TrialRecord& r : st->trials()) {
    const auto a = st->epochs(r.config.index), b = fs->epochs(r.config.index);
    ASSERT_LE(a.size(), b.size()) << r.config.index;
    if (a.size() > 1) ++continued;
    for (size_t e = 0; e < a.size(); ++e) {
      EXPECT_EQ(a[e].loss, b[e].loss) << r.config.index << " epoch " << e + 1;
      EXPECT_EQ(a[e].val_loss, b[e].val_loss) << r.config.index << " epoch " << e + 1;
      EXPECT_EQ(a[e].val_accuracy, b[e].val_accuracy) << r.config.index;
    }
  }
  EXPECT_GE(continued, 3);  // trials paused at a rung and continued were compared
}

TEST_F(HalvingSweep, ThreeShardsMergedEqualOneProcess) {
  run_sweep(options("one", 2));
  run_shards_and_merge("sharded", 3);
  EXPECT_EQ(table("one"), table("sharded"));
  EXPECT_EQ(epochs("one"), epochs("sharded"));
}

TEST_F(HalvingSweep, HyperbandDecidesTheSameForAnyJobsAndShards) {
  // Rungs 1, 3, then 9: brackets of 9, 6 and 3 trials (eta 3, R = 2), then again.
  std::string hb = kHalvingSpace;
  hb = hb.substr(0, hb.find("[schedule]")) + "[schedule]\nkind = \"hyperband\"\n";
  hb.replace(hb.find("trials = 14"), 11, "trials = 21");
  write_space("space.toml", hb);
  run_sweep(options("one", 1));
  run_sweep(options("two", 2));
  run_shards_and_merge("sharded", 2);
  EXPECT_EQ(table("one"), table("two"));
  EXPECT_EQ(epochs("one"), epochs("two"));
  EXPECT_EQ(table("one"), table("sharded"));
  const auto st = Store::open(store_path(dir_.file("one")), true);
  const auto rows = st->trials();
  ASSERT_EQ(rows.size(), 21u);
  // Bracket 0 (trials 0..8) halves from rung 0; bracket 1 (9..14) starts at 3 epochs, so
  // none of it is halved at rung 0; bracket 2 (15..17) halves nothing.
  int halved_b0 = 0, halved_b1 = 0;
  for (const TrialRecord& r : rows) {
    const bool halved = r.stop_reason.rfind("halved", 0) == 0;
    if (r.config.index < 9) halved_b0 += halved;
    if (r.config.index >= 9 && r.config.index < 15) {
      EXPECT_NE(r.stop_reason, "halved at rung 0") << r.config.index;
      halved_b1 += halved;
    }
    if (r.config.index >= 15 && r.config.index < 18) {
      EXPECT_FALSE(halved) << r.config.index;
    }
  }
  EXPECT_GT(halved_b0, 0);
  EXPECT_GT(halved_b1, 0);
}

TEST_F(HalvingSweep, AResumeWithAnotherScheduleIsRefused) {
  SweepOptions o = options("s", 2);
  o.trials = 3;
  // One SIGTERM: with two workers a second one, raised before the first is seen, would end
  // the process as a second Ctrl-C does (stop_signals.h).
  auto raised = std::make_shared<std::atomic<bool>>(false);
  o.after_epoch = [raised](const TrialConfig&, const EpochMetrics&) {
    if (!raised->exchange(true)) std::raise(SIGTERM);
  };
  run_sweep(o);
  std::string other = kHalvingSpace;
  other.replace(other.find("eta = 3"), 7, "eta = 2");
  write_space("space.toml", other);
  try {
    run_sweep(options("s", 2));
    FAIL() << "resumed with another schedule";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("schedule.eta: 3 -> 2"), std::string::npos) << e.what();
  }
}

// The halving pool over the CUDA backend's sessions, one trial at a time, or through its
// packed scheduler (here over the host reference executor): trials pause at rungs through
// the device's optimizer state and continue exactly; a stop and a resume continue the
// paused trials to the same table; the decisions are the CPU pool's, the losses within 1e-4.
struct DeviceHalving {
  SearchSpace space;
  DataSplits data;
  std::unique_ptr<Backend> backend =
      make_device_backend(make_reference_executor(), "host reference executor");
  std::function<void(const TrialConfig&, const EpochMetrics&)> after_epoch;
  explicit DeviceHalving(const std::string& space_file)
      : space(parse_space_file(space_file)), data(load_data(space.data)) {}
  // The pool over the store in DIR (made when missing), as run_sweep runs it for a resume:
  // over one device session at a time, or with `packed` through the packed scheduler with
  // at most `max_resident` trials resident (0: as many as fit).
  sweep_detail::PoolResult run(const std::string& dir, std::function<bool()> stop = nullptr,
                               bool packed = false, int max_resident = 0) {
    std::filesystem::create_directories(dir);
    auto store = open_sweep_store(store_path(dir), space, Shard{}, make_plan_rows(space, 0, 1),
                                  data_identity(data));
    std::vector<TrialRecord> trials = store->trials();
    sweep_detail::tidy_paused(dir, trials);
    store->reset_unfinished();
    sweep_detail::Progress progress(sweep_detail::Progress::Mode::kQuiet, stderr,
                                    static_cast<int>(trials.size()), 0, 0.0);
    sweep_detail::PoolContext ctx;
    ctx.store = store.get();
    ctx.backend = backend.get();
    ctx.fit = data.fit();
    ctx.val = data.val();
    ctx.jobs = 1;
    ctx.progress = &progress;
    ctx.stop_requested = std::move(stop);
    ctx.sweep_dir = dir;
    ctx.max_resident = max_resident;
    ctx.after_epoch = after_epoch;
    return packed ? sweep_detail::run_packed_halving_trials(trials, space, ctx)
                  : sweep_detail::run_halving_trials(trials, space, ctx);
  }
};

TEST_F(HalvingSweep, OnTheDeviceSessionsTrialsPauseAndContinueExactly) {
  DeviceHalving dev(dir_.file("space.toml"));
  const sweep_detail::PoolResult r = dev.run(dir_.file("dev"));
  ASSERT_FALSE(r.fatal);
  EXPECT_EQ(r.finished, 14);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("dev/paused/trial-0.bin")));
  const auto st = Store::open(store_path(dir_.file("dev")), true);
  const std::string t = table("dev");
  EXPECT_NE(t.find("halved at rung 1"), std::string::npos) << t;

  // Each trial's epochs are the first epochs of its uninterrupted run on the same backend.
  int continued = 0;
  for (const TrialRecord& rec : st->trials()) {
    const auto a = st->epochs(rec.config.index);
    auto session = dev.backend->open(rec.config, dev.data.fit());
    const TrialResult whole =
        train_trial(*session, rec.config, dev.data.fit(), dev.data.val(), TrainOptions{});
    ASSERT_LE(a.size(), whole.history.size()) << rec.config.index;
    if (a.size() > 1) ++continued;
    for (size_t e = 0; e < a.size(); ++e) {
      EXPECT_EQ(a[e].loss, whole.history[e].loss) << rec.config.index << " epoch " << e + 1;
      EXPECT_EQ(a[e].val_loss, whole.history[e].val_loss) << rec.config.index;
      EXPECT_EQ(a[e].val_accuracy, whole.history[e].val_accuracy) << rec.config.index;
    }
  }
  EXPECT_GE(continued, 3);

  // Stopped partway (paused trials on disk), then resumed: the same table, epoch for epoch.
  int polls = 0;
  const sweep_detail::PoolResult cut = dev.run(dir_.file("cut"), [&] { return ++polls > 400; });
  ASSERT_FALSE(cut.fatal);
  EXPECT_LT(cut.finished, 14);
  ASSERT_FALSE(dev.run(dir_.file("cut")).fatal);
  EXPECT_EQ(table("dev"), table("cut"));
  EXPECT_EQ(epochs("dev"), epochs("cut"));

  // The CPU pool decides the same (stop reasons, epochs run) with losses within 1e-4.
  run_sweep(options("cpu", 2));
  const auto cs = Store::open(store_path(dir_.file("cpu")), true);
  const auto dt = st->trials(), ct = cs->trials();
  ASSERT_EQ(dt.size(), ct.size());
  for (size_t i = 0; i < dt.size(); ++i) {
    EXPECT_EQ(dt[i].stop_reason, ct[i].stop_reason) << i;
    const auto a = st->epochs(dt[i].config.index), b = cs->epochs(ct[i].config.index);
    ASSERT_EQ(a.size(), b.size()) << i;
    for (size_t e = 0; e < a.size(); ++e)
      EXPECT_NEAR(a[e].val_loss, b[e].val_loss, 1e-4 * std::abs(b[e].val_loss)) << i;
  }
}

// The packed scheduler pauses pieces at their rungs (their state read back from their one
// allocation), refills their room and continues them later: on the reference executor the
// table and every epoch equal the device sessions' one trial at a time (which equal an
// uninterrupted run's first epochs, above) for any resident cap, and after stops and resumes.
TEST_F(HalvingSweep, PackedOnTheReferenceExecutorEqualsTheSessionsForAnyResidentCap) {
  DeviceHalving dev(dir_.file("space.toml"));
  ASSERT_FALSE(dev.run(dir_.file("sessions")).fatal);
  const std::string want = table("sessions");
  EXPECT_NE(want.find("halved at rung 1"), std::string::npos) << want;
  for (int cap : {0, 1, 4}) {
    const std::string out = "packed" + std::to_string(cap);
    const sweep_detail::PoolResult r = dev.run(dir_.file(out), nullptr, true, cap);
    ASSERT_FALSE(r.fatal) << "cap " << cap;
    EXPECT_EQ(r.finished, 14) << "cap " << cap;
    ASSERT_TRUE(r.packed) << "cap " << cap;
    if (cap > 0) {
      EXPECT_LE(r.packed->peak_resident, cap);
    } else {
      EXPECT_GE(r.packed->peak_resident, 6);  // a whole cohort's first rung at once
    }
    EXPECT_EQ(table(out), want) << "cap " << cap;
    EXPECT_EQ(epochs(out), epochs("sessions")) << "cap " << cap;
    EXPECT_TRUE(std::filesystem::is_empty(dir_.file(out + "/paused"))) << "cap " << cap;
  }
  // Stopped at several moments (paused trials on disk, resident pieces requeued), each time
  // resumed packed: the same table, epoch for epoch.
  int polls = 0, stops = 0;
  for (int limit : {5, 40, 120}) {
    polls = 0;
    const sweep_detail::PoolResult cut =
        dev.run(dir_.file("cut"), [&] { return ++polls > limit; }, true, 3);
    ASSERT_FALSE(cut.fatal);
    stops += cut.requeued > 0;
  }
  EXPECT_GE(stops, 2);
  // The last resume continues the paused trials from their files: each one's first epoch
  // trained is the one after its pause.
  std::map<int, int> paused, first_epoch;
  for (const auto& f : std::filesystem::directory_iterator(dir_.file("cut/paused"))) {
    if (f.path().extension() != ".bin") continue;
    const int index = std::stoi(f.path().filename().string().substr(6));  // trial-<i>.bin
    std::string problem;
    const auto p = sweep_detail::read_paused(
        dir_.file("cut"), index, make_plan_rows(dev.space, 0, 1)[index].widths(12, 3), &problem);
    ASSERT_TRUE(p) << index << ": " << problem;
    paused[index] = static_cast<int>(p->so_far.history.size());
  }
  EXPECT_FALSE(paused.empty());
  dev.after_epoch = [&](const TrialConfig& c, const EpochMetrics& m) {
    first_epoch.emplace(c.index, m.epoch);
  };
  ASSERT_FALSE(dev.run(dir_.file("cut"), nullptr, true, 3).fatal);
  for (const auto& [index, at] : paused)
    if (first_epoch.count(index)) {
      EXPECT_EQ(first_epoch[index], at + 1) << "trial " << index;
    }
  EXPECT_EQ(table("cut"), want);
  EXPECT_EQ(epochs("cut"), epochs("sessions"));
}

// A piece that cannot continue fails its own trial, not the run: an optimizer state of
// another size is refused before anything is allocated; its epochs so far stay with it.
TEST(PackedPieces, AWrongSizedPausedStateFailsThatTrialOnly) {
  test::TempDir dir;
  test::write_noisy_csv(dir, 300, 100, 12, 3);
  test::write_file(dir.file("space.toml"),
                   test::tiny_space(dir,
                                    "trials = 2\nseed = 1\nmax_epochs = 3\n"
                                    "[layer_size]\nlow = 8\nhigh = 24\n",
                                    100, 3));
  const SearchSpace space = parse_space_file(dir.file("space.toml"));
  const DataSplits data = load_data(space.data);
  auto backend = make_device_backend(make_reference_executor(), "host reference executor");
  const std::vector<TrialConfig> plan = make_plan_rows(space, 0, 1);
  auto session = backend->open(plan[0], data.fit());
  std::vector<PackedPiece> pieces(2);
  for (int i = 0; i < 2; ++i) pieces[i].config = plan[i];
  auto done = std::make_shared<TrialResult>();
  done->history.resize(1);
  done->history[0].epoch = 1;
  pieces[0].so_far = done;
  pieces[0].weights = session->weights();
  pieces[0].optimizer = session->optimizer_state();
  pieces[0].optimizer.pop_back();
  std::map<int, std::string> errors;
  std::map<int, size_t> epochs;
  size_t next = 0;
  PackedOptions opt;
  opt.next_piece = [&]() -> std::optional<PackedPiece> {
    if (next >= pieces.size()) return std::nullopt;
    return pieces[next++];
  };
  opt.on_finish = [&](const TrialConfig& c, const TrialResult& r, const std::string& e) {
    errors[c.index] = e;
    epochs[c.index] = r.history.size();
  };
  backend->packed()->run({}, data.fit(), data.val(), opt);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("an optimizer state of"), std::string::npos) << errors[0];
  EXPECT_EQ(epochs[0], 1u);
  EXPECT_EQ(errors[1], "");
  EXPECT_EQ(epochs[1], 3u);
}

TEST_F(HalvingSweep, KillNineAtRandomMomentsThenAResumeContinuesPausedTrials) {
  SweepOptions straight = options("straight", 2);
  straight.trials = 30;
  run_sweep(straight);
  // kill -9 once some trial is paused at a rung, then again once more trials finished.
  const std::string out = dir_.file("killed");
  std::vector<std::string> args = {"sweep",  "--space",   dir_.file("space.toml"),
                                   "--out",  out,         "--trials",
                                   "30",     "--backend", "cpu",
                                   "--jobs", "2",         "--quiet"};
  ASSERT_TRUE(test::kill_nine_while_paused(args, out, dir_.file("log"), 2));
  // The paused trials as the kills left them: the resume must not train those epochs again.
  std::map<int, int> paused;
  for (const auto& f : std::filesystem::directory_iterator(out + "/paused")) {
    const std::string name = f.path().filename().string();                         // trial-<i>.bin
    if (name.rfind("trial-", 0) != 0 || f.path().extension() != ".bin") continue;  // a .tmp
    const int index = std::stoi(name.substr(6));
    const auto st = Store::open(store_path(out), true);
    const auto rec = st->trial(index);
    ASSERT_TRUE(rec);
    std::string problem;
    const auto p = sweep_detail::read_paused(out, index, rec->config.widths(12, 3), &problem);
    ASSERT_TRUE(p) << problem;
    paused[index] = static_cast<int>(p->so_far.history.size());
  }
  ASSERT_FALSE(paused.empty());
  // A temporary file a kill left while writing a paused trial's file goes on resume.
  const std::string stale = sweep_detail::paused_path(out, paused.begin()->first) + ".tmp.1.0";
  test::write_file(stale, "partial");
  SweepOptions resume = options("killed", 2);
  resume.trials = 30;
  std::mutex mu;
  std::map<int, int> first_epoch;  // the first epoch each trial trained in the resume
  resume.after_epoch = [&](const TrialConfig& c, const EpochMetrics& m) {
    std::lock_guard<std::mutex> lock(mu);
    if (!first_epoch.count(c.index)) first_epoch[c.index] = m.epoch;
  };
  run_sweep(resume);
  for (const auto& [index, at] : paused)
    if (first_epoch.count(index)) {
      EXPECT_EQ(first_epoch[index], at + 1) << "trial " << index;
    }
  EXPECT_EQ(table("straight"), table("killed"));
  EXPECT_EQ(epochs("straight"), epochs("killed"));
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::is_empty(out + "/paused"));
}

// ---- the report ----------------------------------------------------------------------

TrialRecord ran(int index, int epochs, const std::string& stop_reason) {
  TrialRecord r;
  r.config.index = index;
  r.epochs_run = epochs;
  r.stop_reason = stop_reason;
  return r;
}

TEST(HalvingBudget, TheEpochBoundTrainsEveryEntrantToItsRung) {
  // examples/cpu-halving.toml's schedule: one cohort of 27, rungs 3, 9, 27, then 40:
  // 27 x 3 + 9 x 6 + 3 x 18 + 1 x 13 = 202.
  SearchSpace s;
  s.trials = 27;
  s.max_epochs = 40;
  s.schedule.kind = ScheduleKind::kHalving;
  s.schedule.min_epochs = 3;
  s.schedule.eta = 3;
  std::vector<int> all(27);
  for (int i = 0; i < 27; ++i) all[i] = i;
  EXPECT_EQ(halving::epoch_bound(s, all), 202);
  // Cohorts of 6 over 14 trials, rungs 1, 3, then 9: 6 x 1 + 2 x 2 twice (floor(2 / 3) is 0),
  // then 2 x 1 for the short last cohort; a shard's cohorts count alone.
  s.trials = 14;
  s.max_epochs = 9;
  s.schedule.min_epochs = 1;
  s.schedule.cohort = 6;
  all.resize(14);
  for (int i = 0; i < 14; ++i) all[i] = i;
  EXPECT_EQ(halving::epoch_bound(s, all), 22);
  EXPECT_EQ(halving::epoch_bound(s, {12, 13}), 2);
}

TEST(HalvingBudget, EpochsPerRungSumToTheEpochsRun) {
  // Rungs 1, 3 and 9; cohorts of 6 from rung 0.
  const SearchSpace s = parse_space_text(
      "trials = 14\nmax_epochs = 9\n[schedule]\nkind = \"halving\"\ncohort = 6\n", "s.toml");
  const std::vector<TrialRecord> trials = {ran(0, 1, "halved at rung 0"),
                                           ran(1, 3, "halved at rung 1"), ran(2, 9, "max_epochs"),
                                           ran(3, 2, "early_stopping"), ran(4, 0, "")};
  const auto b = halving::rung_budgets(s, trials);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].epochs, 1);
  EXPECT_EQ(b[1].epochs, 3);
  EXPECT_EQ(b[2].epochs, 9);
  EXPECT_EQ((std::vector<long long>{b[0].entered, b[0].promoted, b[0].halved, b[0].trained}),
            (std::vector<long long>{4, 3, 1, 4}));
  EXPECT_EQ((std::vector<long long>{b[1].entered, b[1].promoted, b[1].halved, b[1].trained}),
            (std::vector<long long>{3, 1, 1, 5}));
  EXPECT_EQ((std::vector<long long>{b[2].entered, b[2].promoted, b[2].halved, b[2].trained}),
            (std::vector<long long>{1, 0, 0, 6}));
  EXPECT_EQ(halving::budget_line(s, trials),
            "Epochs trained : 15 of at most 126 (halving schedule; the full one trains every "
            "trial until early stopping or max_epochs)");

  // Hyperband's second bracket starts at rung 1: its first 3 epochs are rung 1's.
  const SearchSpace hb = parse_space_text(
      "trials = 21\nmax_epochs = 9\n[schedule]\nkind = \"hyperband\"\n", "hb.toml");
  const auto h = halving::rung_budgets(hb, {ran(9, 3, "halved at rung 1"), ran(0, 1, "")});
  EXPECT_EQ((std::vector<long long>{h[0].entered, h[0].trained, h[1].entered, h[1].trained}),
            (std::vector<long long>{1, 1, 1, 3}));
}

int occurrences(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST_F(HalvingSweep, TheReportMarksTheRungsAndTheBudgetPerRungAndAFullSweepsHasNone) {
  run_sweep(options("halving", 2));
  ReportOptions ro;
  ro.target = dir_.file("halving");
  const std::string html = test::read_file(write_report(ro).html);
  const size_t fig = html.find("id=\"fig-rungs\"");
  ASSERT_NE(fig, std::string::npos);
  const std::string figure = html.substr(fig, html.find("</figure>", fig) - fig);
  EXPECT_EQ(occurrences(figure, "mk-rung"), 2);  // rungs 1 and 3 (9 is max_epochs)
  EXPECT_NE(figure.find("halved at rung 0 ("), std::string::npos);
  EXPECT_NE(figure.find("halved at rung 1 ("), std::string::npos);
  EXPECT_NE(figure.find("not halved ("), std::string::npos);

  // The budget: the CLI summary's words, and per rung the epochs trained inside it,
  // which add up to the trials' epochs.
  const auto st = Store::open(store_path(dir_.file("halving")), true);
  const SearchSpace space = stored_space(st->path(), st->sweep());
  const std::vector<TrialRecord> rows = st->trials();
  long long run = 0;
  for (const TrialRecord& r : rows) run += r.epochs_run;
  ASSERT_LT(run, 14 * 9);
  int halved = 0;
  for (const TrialRecord& r : rows) halved += r.stop_reason.rfind("halved at rung ", 0) == 0;
  EXPECT_EQ(occurrences(figure, "class=\"mk-dot"), halved);  // each halved trial ends in a dot
  EXPECT_NE(html.find(std::to_string(run) + " of at most 126 (halving schedule"),
            std::string::npos);
  ASSERT_NE(html.find("id=\"rung-budget\""), std::string::npos);
  long long per_rung = 0;
  for (int k = 0; k < 3; ++k) {
    const std::string tag = "data-rung=\"" + std::to_string(k) + "\" data-epochs-trained=\"";
    const size_t at = html.find(tag);
    ASSERT_NE(at, std::string::npos) << k;
    per_rung += std::stoll(html.substr(at + tag.size()));
  }
  EXPECT_EQ(per_rung, run);

  // The same plan on the full schedule: no rungs, no per-rung budget.
  std::string full = kHalvingSpace;
  write_space("space.toml", full.substr(0, full.find("[schedule]")));
  run_sweep(options("full", 2));
  ro.target = dir_.file("full");
  const std::string plain = test::read_file(write_report(ro).html);
  EXPECT_NE(plain.find("id=\"fig-curves\""), std::string::npos);
  EXPECT_EQ(plain.find("fig-rungs"), std::string::npos);
  EXPECT_EQ(plain.find("mk-rung"), std::string::npos);
  EXPECT_EQ(plain.find("rung-budget"), std::string::npos);
  EXPECT_EQ(plain.find("of at most"), std::string::npos);
}

}  // namespace
}  // namespace qrsweep
