// The packed scheduler on the host reference executor: a trial's history is bit-identical
// whether it trains alone, packed with eleven others, or refilled into a capped set, equals
// the single-trial device session's and a restart's, and is close to the CPU backend's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "device/device_backend.h"
#include "device/memory_plan.h"
#include "device/packed_scheduler.h"
#include "gpu_packed_cases.h"
#include "qrsweep/common.h"

// The executor the tests run on; tests/emu runs this file again on the emulated kernels.
#ifndef QRSWEEP_TEST_EXECUTOR
#define QRSWEEP_TEST_EXECUTOR make_reference_executor
#endif

namespace qrsweep::test {
namespace {

class PackedInvariance : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = make_device_backend(QRSWEEP_TEST_EXECUTOR(), "reference");
    ASSERT_NE(backend_->packed(), nullptr);
  }
  PackedOutcomes run(PackedOptions opt, PackedStats* st = nullptr,
                     const std::vector<TrialConfig>* trials = nullptr) {
    return run_packed_mix(*backend_->packed(), trials ? *trials : mix_, data_, std::move(opt), st);
  }
  std::unique_ptr<Backend> backend_;
  DataSplits data_ = packed_dataset();
  std::vector<TrialConfig> mix_ = packed_mix();
};

TEST_F(PackedInvariance, AllResidentEqualsOneAtATimeAndRefill) {
  PackedOptions all;
  all.max_resident = 12;
  PackedStats st_all;
  const PackedOutcomes a = run(all, &st_all);
  ASSERT_EQ(a.size(), 12u);
  EXPECT_EQ(st_all.peak_resident, 12);
  int stopped_early = 0;
  for (const auto& [i, o] : a) {
    EXPECT_EQ(o.error, "") << "trial " << i;
    EXPECT_GE(o.result.history.size(), 1u);
    stopped_early += o.result.reason == StopReason::kEarlyStopping;
  }
  PackedOptions one;
  one.max_resident = 1;
  PackedStats st_one;
  expect_same_outcomes(a, run(one, &st_one), "max-resident 1");
  EXPECT_EQ(st_one.peak_resident, 1);
  PackedOptions three;
  three.max_resident = 3;
  PackedStats st_three;
  expect_same_outcomes(a, run(three, &st_three), "max-resident 3");
  EXPECT_EQ(st_three.peak_resident, 3);
  EXPECT_LT(st_all.rounds, st_one.rounds);  // packing shortens the schedule
  RecordProperty("stopped_early", stopped_early);
}

TEST_F(PackedInvariance, LatencyStrategiesDoNotChangeResults) {
  PackedOptions base;
  const PackedOutcomes a = run(base);
  PackedOptions plain;
  plain.balance_steps = false;
  plain.longest_first = false;
  PackedStats st_plain, st_bal;
  expect_same_outcomes(a, run(plain, &st_plain), "one step per round, plan order");
  run(base, &st_bal);
  EXPECT_LT(st_bal.rounds, st_plain.rounds);  // batch 1 and 5 take several steps a round
  PackedOptions capped = plain;
  capped.max_resident = 4;
  expect_same_outcomes(a, run(capped), "plan order, max-resident 4");
}

TEST_F(PackedInvariance, EqualsTheSingleTrialDeviceSession) {
  const PackedOutcomes a = run(PackedOptions{});
  const DataSplits& d = data_;
  for (const TrialConfig& c : mix_) {
    auto session = backend_->open(c, d.fit());
    TrialResult r = train_trial(*session, c, d.fit(), d.val(), TrainOptions{});
    expect_same_history(a.at(c.index).result, r, "trial " + std::to_string(c.index));
  }
}

// No validation rows: the packed run follows train_trial's epoch rule (epoch_end) and trains
// every epoch without validating, where it used to stop each trial as diverged after epoch 1.
TEST_F(PackedInvariance, AnEmptyValidationSetIsNotDivergence) {
  PackedOptions fixed;
  fixed.fixed_epochs = 2;
  PackedOutcomes a;
  collect_outcomes(fixed, a);
  backend_->packed()->run(mix_, data_.fit(), DatasetView{}, fixed);
  TrainOptions t;
  t.fixed_epochs = 2;
  t.validate = false;
  for (const TrialConfig& c : mix_) {
    const std::string what = "trial " + std::to_string(c.index);
    ASSERT_EQ(a.at(c.index).error, "") << what;
    const TrialResult& p = a.at(c.index).result;
    auto session = backend_->open(c, data_.fit());
    const TrialResult r = train_trial(*session, c, data_.fit(), DatasetView{}, t);
    EXPECT_EQ(p.reason, StopReason::kMaxEpochs) << what;
    EXPECT_EQ(p.reason, r.reason) << what;
    ASSERT_EQ(p.history.size(), 2u) << what;
    ASSERT_EQ(r.history.size(), 2u) << what;
    for (size_t e = 0; e < 2; ++e) {
      EXPECT_EQ(p.history[e].loss, r.history[e].loss) << what;
      EXPECT_TRUE(std::isnan(p.history[e].val_loss)) << what;
    }
  }
}

TEST_F(PackedInvariance, CloseToTheCpuBackend) {
  PackedOptions fixed;
  fixed.fixed_epochs = 2;
  const PackedOutcomes a = run(fixed);
  BackendOptions bo;
  bo.threads = 1;
  auto cpu = make_backend("cpu", bo);
  TrainOptions t;
  t.fixed_epochs = 2;
  for (const TrialConfig& c : mix_) {
    auto session = cpu->open(c, data_.fit());
    TrialResult r = train_trial(*session, c, data_.fit(), data_.val(), t);
    const TrialResult& p = a.at(c.index).result;
    ASSERT_EQ(p.history.size(), 2u);
    ASSERT_EQ(r.history.size(), 2u);
    for (int e = 0; e < 2; ++e) {
      const double tol = 1e-5 + 1e-4 * std::abs(r.history[e].val_loss);
      EXPECT_NEAR(p.history[e].loss, r.history[e].loss, tol) << "trial " << c.index;
      EXPECT_NEAR(p.history[e].val_loss, r.history[e].val_loss, tol) << "trial " << c.index;
      EXPECT_TRUE(std::isfinite(p.history[e].val_loss));
    }
  }
}

TEST_F(PackedInvariance, GroupedLaunchCountDoesNotGrowWithTrials) {
  std::vector<TrialConfig> one(1, mix_[1]), many;
  for (int i = 0; i < 9; ++i) {
    TrialConfig c = mix_[1];
    c.index = 100 + i;
    c.learning_rate *= 1.0 + 0.1 * i;
    c.sizes[1] = 4 + i;  // other widths, same depth and batch
    many.push_back(c);
  }
  PackedOptions fixed;
  fixed.fixed_epochs = 2;
  PackedStats s1, s9;
  run(fixed, &s1, &one);
  run(fixed, &s9, &many);
  EXPECT_EQ(s9.peak_resident, 9);
  EXPECT_EQ(s1.rounds, s9.rounds);
  EXPECT_EQ(s1.launches, s9.launches);
  EXPECT_EQ(s9.train_samples, 9 * s1.train_samples);
}

TEST_F(PackedInvariance, MemoryBudgetRefillsAndFailsOversizedTrials) {
  const PackedOutcomes a = run(PackedOptions{});
  packed::PassShape shape;
  shape.dim = data_.train.dim;
  shape.classes = data_.train.classes;
  shape.n_train = data_.fit().n;
  shape.n_val = data_.val().n;
  size_t largest = 0, sum = 0;
  for (const TrialConfig& c : mix_) {
    largest = std::max(largest, packed::resident_bytes(c, shape));
    sum += packed::resident_bytes(c, shape);
  }
  const size_t budget = largest + largest / 5;  // the largest fits, never all at once
  ASSERT_LT(budget, sum);
  PackedOptions tight;
  tight.memory_budget = budget;
  TrialConfig huge = mix_[0];
  huge.index = 99;
  huge.sizes = {4096, 4096, 0, 0, 0};
  std::vector<TrialConfig> with_huge = mix_;
  with_huge.insert(with_huge.begin() + 5, huge);
  PackedStats st;
  PackedOutcomes b = run(tight, &st, &with_huge);
  ASSERT_EQ(b.count(99), 1u);
  EXPECT_NE(b.at(99).error.find("too large for the device"), std::string::npos) << b.at(99).error;
  EXPECT_EQ(b.at(99).finishes, 1);
  EXPECT_TRUE(b.at(99).result.history.empty());
  b.erase(99);
  expect_same_outcomes(a, b, "tight budget");
  EXPECT_GE(st.peak_resident, 1);
  EXPECT_LT(st.peak_resident, 12);
}

TEST_F(PackedInvariance, InterruptedTrialsRestartToTheSameHistory) {
  const PackedOutcomes a = run(PackedOptions{});
  PackedOptions stop;
  int epochs_seen = 0;
  stop.on_epoch = [&](const TrialConfig&, const EpochMetrics&) { ++epochs_seen; };
  stop.should_stop = [&] { return epochs_seen >= 5; };
  PackedOutcomes b = run(stop);
  ASSERT_EQ(b.size(), 12u);
  std::vector<TrialConfig> again;
  int interrupted = 0;
  for (const TrialConfig& c : mix_) {
    const PackedOutcome& o = b.at(c.index);
    EXPECT_EQ(o.finishes, 1);
    if (o.result.reason == StopReason::kInterrupted) {
      ++interrupted;
      again.push_back(c);
    } else {
      expect_same_history(a.at(c.index).result, o.result, "before the stop");
    }
  }
  EXPECT_GT(interrupted, 0);
  const PackedOutcomes c = run(PackedOptions{}, nullptr, &again);
  for (const auto& [i, o] : c) expect_same_history(a.at(i).result, o.result, "restarted");
}

TEST_F(PackedInvariance, AFailingCommitFailsOnlyItsTrial) {
  const PackedOutcomes a = run(PackedOptions{});
  PackedOptions opt;
  const int victim = mix_[4].index;
  opt.on_epoch = [&](const TrialConfig& c, const EpochMetrics& m) {
    if (c.index == victim && m.epoch == 2) throw Error("commit refused");
  };
  PackedOutcomes b = run(opt);
  EXPECT_EQ(b.at(victim).error, "commit refused");
  EXPECT_EQ(b.at(victim).result.history.size(), 2u);
  b.erase(victim);
  PackedOutcomes rest = a;
  rest.erase(victim);
  expect_same_outcomes(rest, b, "beside a failed trial");
}

TEST_F(PackedInvariance, BalancedRoundSteps) {
  EXPECT_EQ(packed::balanced_round_steps(84, 84), 1);
  EXPECT_EQ(packed::balanced_round_steps(10000, 84), 119);
  EXPECT_EQ(packed::balanced_round_steps(50000, 84), packed::kMaxRoundSteps);
  EXPECT_EQ(packed::balanced_round_steps(5, 0), 1);
}

}  // namespace
}  // namespace qrsweep::test
