// Successive halving's parts: the [schedule] table, the rules (halving.h) as a pure
// function, pause and continue bit for bit with the paused-trial file, and the budget per
// rung. Whole sweeps (jobs, shards, device sessions, the packed scheduler, kill -9, the
// report) are in test_halving_sweep.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "device/device_backend.h"
#include "qrsweep/common.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "sweep/halving.h"
#include "sweep/pause_file.h"
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

// ---- the budget per rung ------------------------------------------------------------

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
}  // namespace
}  // namespace qrsweep
