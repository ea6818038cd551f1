// The trainer on the CPU backend: early stopping on scripted val_loss sequences,
// permutations, determinism (same seed: bit-identical history), divergence, and the
// notebook's summary columns.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "qrsweep/backend.h"
#include "qrsweep/trainer.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

std::vector<bool> stops(const std::vector<double>& seq, int patience) {
  EarlyStopping s(patience);
  std::vector<bool> out;
  for (double v : seq) out.push_back(s.update(v));
  return out;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutStrictImprovement) {
  // best 0.5 at epoch 2; equal is not an improvement.
  auto s = stops({1.0, 0.5, 0.5, 0.6, 0.7, 0.55, 0.9}, 5);
  EXPECT_EQ(s, (std::vector<bool>{false, false, false, false, false, false, true}));
}

TEST(EarlyStopping, ImprovementResetsTheWait) {
  auto s = stops({1.0, 1.1, 1.2, 0.9, 1.0, 1.0, 1.0}, 3);
  EXPECT_EQ(s, (std::vector<bool>{false, false, false, false, false, false, true}));
}

TEST(EarlyStopping, NaNNeverImproves) {
  EarlyStopping st(2);
  EXPECT_FALSE(st.update(kNaN));
  EXPECT_TRUE(std::isinf(st.best()));
  EXPECT_TRUE(st.update(kNaN));
  EarlyStopping st2(2);
  EXPECT_FALSE(st2.update(0.3));
  EXPECT_FALSE(st2.update(kNaN));
  EXPECT_EQ(st2.best(), 0.3);
  EXPECT_FALSE(st2.update(0.2));
  EXPECT_EQ(st2.wait(), 0);
}

TEST(EarlyStopping, PatienceOneStopsAtFirstNonImprovement) {
  EXPECT_EQ(stops({0.5, 0.4, 0.4}, 1), (std::vector<bool>{false, false, true}));
}

// The epoch-end rule train_trial and the packed scheduler share (epoch_end).
EpochMetrics epoch(int e, double loss, double val_loss) {
  EpochMetrics m;
  m.epoch = e;
  m.loss = loss;
  m.val_loss = val_loss;
  return m;
}

EpochRule rule_for(int max_epochs, int patience, int fixed_epochs, bool validate, int val_rows,
                   int64_t max_steps, TrialConfig* cfg) {
  cfg->max_epochs = max_epochs;
  cfg->patience = patience;
  return epoch_rule(*cfg, fixed_epochs, validate, val_rows, max_steps);
}

TEST(EpochEnd, ImprovementGoesOnAndExhaustedPatienceStops) {
  TrialConfig cfg;
  const EpochRule rule = rule_for(10, 2, -1, true, 50, -1, &cfg);
  EarlyStopping st(cfg.patience);
  EXPECT_EQ(epoch_end(rule, epoch(1, 1.0, 0.5), 10, st), std::nullopt);
  EXPECT_EQ(epoch_end(rule, epoch(2, 1.0, 0.4), 20, st), std::nullopt);  // improves
  EXPECT_EQ(epoch_end(rule, epoch(3, 1.0, 0.4), 30, st), std::nullopt);  // wait 1
  EXPECT_EQ(epoch_end(rule, epoch(4, 1.0, 0.45), 40, st), StopReason::kEarlyStopping);
}

TEST(EpochEnd, NonFiniteLossDivergesBeforeAnythingElse) {
  TrialConfig cfg;
  const EpochRule rule = rule_for(1, 1, -1, true, 50, 5, &cfg);
  EarlyStopping st(cfg.patience);
  EXPECT_EQ(epoch_end(rule, epoch(1, kNaN, 0.5), 5, st), StopReason::kDiverged);
  EarlyStopping st2(cfg.patience);
  EXPECT_EQ(epoch_end(rule, epoch(1, 0.5, std::numeric_limits<double>::infinity()), 5, st2),
            StopReason::kDiverged);
  // Without validation only the training loss can diverge.
  const EpochRule off = rule_for(3, 1, 3, false, 50, -1, &cfg);
  EXPECT_EQ(epoch_end(off, epoch(1, 0.5, kNaN), 5, st2), std::nullopt);
  EXPECT_EQ(epoch_end(off, epoch(2, std::numeric_limits<double>::infinity(), kNaN), 5, st2),
            StopReason::kDiverged);
}

// An empty validation set validates nothing: its NaN val_loss is neither divergence nor a
// reason to stop early, whether or not validation was asked for; the run goes to its epochs.
TEST(EpochEnd, EmptyValidationIsNotDivergence) {
  TrialConfig cfg;
  const EpochRule rule = rule_for(3, 1, -1, true, 0, -1, &cfg);
  EXPECT_FALSE(rule.validating);
  EXPECT_FALSE(rule.early_stopping);
  EarlyStopping st(cfg.patience);
  EXPECT_EQ(epoch_end(rule, epoch(1, 0.5, kNaN), 10, st), std::nullopt);
  EXPECT_EQ(epoch_end(rule, epoch(2, 0.5, kNaN), 20, st), std::nullopt);
  EXPECT_EQ(epoch_end(rule, epoch(3, 0.5, kNaN), 30, st), StopReason::kMaxEpochs);
}

TEST(EpochEnd, StepLimitComesBeforeEarlyStoppingAndMaxEpochs) {
  TrialConfig cfg;
  const EpochRule rule = rule_for(2, 1, -1, true, 50, 25, &cfg);
  EarlyStopping st(cfg.patience);
  EXPECT_EQ(epoch_end(rule, epoch(1, 1.0, 0.5), 20, st), std::nullopt);
  // Epoch 2 exhausts the patience and is the last epoch, but the step limit is reached first.
  EXPECT_EQ(epoch_end(rule, epoch(2, 1.0, 0.6), 25, st), StopReason::kStepLimit);
}

TEST(EpochEnd, MaxEpochsAndFixedEpochs) {
  TrialConfig cfg;
  const EpochRule rule = rule_for(2, 5, -1, true, 50, -1, &cfg);
  EarlyStopping st(cfg.patience);
  EXPECT_EQ(epoch_end(rule, epoch(1, 1.0, 0.5), 1, st), std::nullopt);
  EXPECT_EQ(epoch_end(rule, epoch(2, 1.0, 0.4), 2, st), StopReason::kMaxEpochs);
  // fixed_epochs overrides max_epochs and turns early stopping off.
  const EpochRule fixed = rule_for(2, 1, 4, true, 50, -1, &cfg);
  EXPECT_EQ(fixed.epochs, 4);
  EXPECT_FALSE(fixed.early_stopping);
  EarlyStopping st2(cfg.patience);
  for (int e = 1; e < 4; ++e) EXPECT_EQ(epoch_end(fixed, epoch(e, 1.0, 0.9), e, st2), std::nullopt);
  EXPECT_EQ(epoch_end(fixed, epoch(4, 1.0, 0.9), 4, st2), StopReason::kMaxEpochs);
}

TEST(Permutation, IsAPermutationAndChangesPerEpochAndTrial) {
  auto p0 = epoch_permutation(3, 1, 0, 1000);
  auto p1 = epoch_permutation(3, 1, 1, 1000);
  auto q0 = epoch_permutation(3, 2, 0, 1000);
  auto sorted = p0;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
  EXPECT_NE(p0, p1);
  EXPECT_NE(p0, q0);
  EXPECT_EQ(p0, epoch_permutation(3, 1, 0, 1000));
}

TEST(Summary, FirstOccurrenceWinsAndNaNIsSkipped) {
  TrialResult r;
  auto m = [](int e, double vl, double va) {
    EpochMetrics x;
    x.epoch = e;
    x.val_loss = vl;
    x.val_accuracy = va;
    return x;
  };
  r.history = {m(1, 0.5, 0.8), m(2, kNaN, kNaN), m(3, 0.4, 0.9), m(4, 0.4, 0.9)};
  summarize_history(r);
  EXPECT_EQ(r.min_val_loss, 0.4);
  EXPECT_EQ(r.min_val_loss_epoch, 3);
  EXPECT_EQ(r.max_val_accuracy, 0.9);
  EXPECT_EQ(r.max_val_accuracy_epoch, 3);
}

class TrainerOnSynthetic : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = test::synthetic_dataset(600, 20, 4, 5);
    cfg_ = test::small_trial_config();
    backend_ = make_backend("cpu", BackendOptions{1});
  }
  TrialResult run(const TrialConfig& cfg) {
    DatasetView all = data_.view();
    DatasetView val = all.rows(0, 100), fit = all.rows(100, 500);
    auto s = backend_->open(cfg, fit);
    return train_trial(*s, cfg, fit, val, TrainOptions{});
  }
  Dataset data_;
  TrialConfig cfg_;
  std::unique_ptr<Backend> backend_;
};

TEST_F(TrainerOnSynthetic, LearnsAndIsBitIdenticalForTheSameSeed) {
  TrialResult a = run(cfg_), b = run(cfg_);
  ASSERT_EQ(a.history.size(), 4u);
  ASSERT_EQ(b.history.size(), 4u);
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].loss, b.history[i].loss);
    EXPECT_EQ(a.history[i].accuracy, b.history[i].accuracy);
    EXPECT_EQ(a.history[i].val_loss, b.history[i].val_loss);
    EXPECT_EQ(a.history[i].val_accuracy, b.history[i].val_accuracy);
  }
  EXPECT_LT(a.history.back().val_loss, a.history.front().val_loss);
  EXPECT_GT(a.history.back().val_accuracy, 0.6);
  EXPECT_EQ(a.steps, 4 * ((500 + 36) / 37));
}

// No validation rows: nothing is validated, so the NaN val_loss neither diverges nor stops
// the trial early; it trains its max_epochs (it used to stop as diverged after epoch 1).
TEST_F(TrainerOnSynthetic, AnEmptyValidationSetIsNotDivergence) {
  DatasetView fit = data_.view().rows(100, 500);
  auto s = backend_->open(cfg_, fit);
  TrialResult r = train_trial(*s, cfg_, fit, DatasetView{}, TrainOptions{});
  EXPECT_EQ(r.reason, StopReason::kMaxEpochs);
  ASSERT_EQ(r.history.size(), 4u);
  for (const EpochMetrics& m : r.history) {
    EXPECT_TRUE(std::isfinite(m.loss));
    EXPECT_TRUE(std::isnan(m.val_loss));
  }
}

TEST_F(TrainerOnSynthetic, DifferentSeedOrTrialGivesADifferentHistory) {
  TrialResult a = run(cfg_);
  TrialConfig other = cfg_;
  other.seed = 100;
  TrialConfig other_trial = cfg_;
  other_trial.index = 5;
  EXPECT_NE(a.history[0].loss, run(other).history[0].loss);
  EXPECT_NE(a.history[0].loss, run(other_trial).history[0].loss);
}

TEST_F(TrainerOnSynthetic, HugeLearningRateDivergesOrStops) {
  TrialConfig c = cfg_;
  c.activation = Activation::kRelu;
  c.momentum = 0.99;
  c.learning_rate = 1e30;
  c.max_epochs = 20;
  TrialResult r = run(c);
  EXPECT_EQ(r.reason, StopReason::kDiverged) << stop_reason_name(r.reason);
  EXPECT_FALSE(std::isfinite(r.history.back().loss) && std::isfinite(r.history.back().val_loss));
}

TEST_F(TrainerOnSynthetic, StepLimitAndStepLossesAgreeWithEpochLoss) {
  DatasetView all = data_.view();
  DatasetView val = all.rows(0, 100), fit = all.rows(100, 500);
  auto s = backend_->open(cfg_, fit);
  std::vector<double> losses;
  TrainOptions opt;
  opt.step_losses = &losses;
  opt.max_steps = 20;
  TrialResult r = train_trial(*s, cfg_, fit, val, opt);
  EXPECT_EQ(r.steps, 20);
  EXPECT_EQ(losses.size(), 20u);
  EXPECT_EQ(r.reason, StopReason::kStepLimit);
  // First epoch: 14 steps (13 of 37 rows and one of 19): batch-weighted mean == epoch loss.
  double sum = 0;
  for (int i = 0; i < 14; ++i) sum += losses[i] * (i < 13 ? 37 : 19);
  EXPECT_NEAR(sum / 500, r.history[0].loss, 1e-12);
}

TEST_F(TrainerOnSynthetic, AStopRequestEndsTheEpochBetweenStepsAndDropsIt) {
  DatasetView all = data_.view();
  DatasetView val = all.rows(0, 100), fit = all.rows(100, 500);
  auto s = backend_->open(cfg_, fit);
  int polls = 0;
  TrainOptions opt;
  // Say stop on the 20th poll: one poll before epoch 1, then one per step (14 a
  // epoch), so the stop lands in the middle of epoch 2.
  opt.should_stop = [&] { return ++polls >= 20; };
  TrialResult r = train_trial(*s, cfg_, fit, val, opt);
  EXPECT_EQ(r.reason, StopReason::kInterrupted);
  ASSERT_EQ(r.history.size(), 1u) << "the partial epoch must not be recorded";
  EXPECT_GT(r.steps, 14);
  EXPECT_LT(r.steps, 28);
}

TEST_F(TrainerOnSynthetic, WeightsRoundTripThroughTheSession) {
  DatasetView fit = data_.view().rows(100, 500);
  auto s = backend_->open(cfg_, fit);
  Weights w0 = s->weights();
  ASSERT_EQ(w0.widths(), (std::vector<int>{20, 16, 8, 4}));
  // glorot-uniform: inside sqrt(6 / (fan_in + fan_out)), zero bias, not constant
  // (test_init.cpp checks the whole distribution).
  const double a = std::sqrt(6.0 / (20 + 16));
  for (float v : w0.layers[0].w) ASSERT_LE(std::abs(v), a * (1 + 1e-6));
  for (float v : w0.layers[0].b) ASSERT_EQ(v, 0.0f);
  EXPECT_NE(w0.layers[0].w[0], w0.layers[0].w[1]);
  Weights w1 = w0;
  w1.layers[1].w[3] = 0.125f;
  s->set_weights(w1);
  EXPECT_EQ(s->weights().layers[1].w[3], 0.125f);
  Weights bad = w0;
  bad.layers.pop_back();
  EXPECT_THROW(s->set_weights(bad), Error);
}

}  // namespace
}  // namespace qrsweep
