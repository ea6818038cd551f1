// The packed scheduler on the GPU: the test mix packed (12 resident), one at a time and
// refilled (3 resident) gives bit-identical histories, equal to the single-trial GPU
// session's and the same with CUDA Graph replay on or off, close to the CPU backend's; a trial
// too large for the device fails with the reason while the others train. Skips, visibly,
// without a GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "cuda/cuda_backend.h"
#include "gpu_packed_cases.h"
#include "gpu_support.h"

namespace qrsweep::test {
namespace {

std::unique_ptr<Backend> gpu_backend() {
  CudaExecutorOptions o;
  return make_cuda_backend_with(o);
}

TEST(GpuPacked, PackingInvariance) {
  QRS_REQUIRE_GPU();
  auto b = gpu_backend();
  ASSERT_NE(b->packed(), nullptr);
  const DataSplits d = packed_dataset();
  const std::vector<TrialConfig> mix = packed_mix();
  PackedOptions all;
  all.max_resident = 12;
  PackedStats st;
  const PackedOutcomes a = run_packed_mix(*b->packed(), mix, d, all, &st);
  EXPECT_EQ(st.peak_resident, 12);
  for (const auto& [i, o] : a) {
    EXPECT_EQ(o.error, "") << "trial " << i;
    for (const EpochMetrics& m : o.result.history) EXPECT_TRUE(std::isfinite(m.val_loss));
  }
  PackedOptions one;
  one.max_resident = 1;
  expect_same_outcomes(a, run_packed_mix(*b->packed(), mix, d, one), "GPU max-resident 1");
  PackedOptions three;
  three.max_resident = 3;
  three.balance_steps = false;
  three.longest_first = false;
  expect_same_outcomes(a, run_packed_mix(*b->packed(), mix, d, three), "GPU max-resident 3");
  // The single-trial GPU session: the same kernels, one trial per launch.
  for (const TrialConfig& c : mix) {
    auto s = b->open(c, d.fit());
    TrialResult r = train_trial(*s, c, d.fit(), d.val(), TrainOptions{});
    expect_same_history(a.at(c.index).result, r, "GPU session, trial " + std::to_string(c.index));
  }
}

TEST(GpuPacked, GraphReplayChangesNothing) {
  QRS_REQUIRE_GPU();
  const DataSplits d = packed_dataset();
  const std::vector<TrialConfig> mix = packed_mix();
  CudaExecutorOptions on, off;
  off.graphs = false;
  auto with = make_cuda_backend_with(on), without = make_cuda_backend_with(off);
  for (int resident : {12, 3}) {
    PackedOptions opt;
    opt.max_resident = resident;
    PackedStats s_on, s_off;
    const PackedOutcomes a = run_packed_mix(*with->packed(), mix, d, opt, &s_on);
    const PackedOutcomes b = run_packed_mix(*without->packed(), mix, d, opt, &s_off);
    expect_same_outcomes(a, b, "graphs on vs off, max-resident " + std::to_string(resident));
    EXPECT_GT(s_on.graph_captures, 0);
    EXPECT_GT(s_on.graph_replays, s_on.graph_captures) << "captured graphs are replayed";
    EXPECT_EQ(s_off.graph_replays, 0);
    EXPECT_EQ(s_on.steps, s_off.steps);
    EXPECT_EQ(s_on.launches, s_off.launches);
  }
}

TEST(GpuPacked, CloseToTheCpuBackend) {
  QRS_REQUIRE_GPU();
  auto b = gpu_backend();
  const DataSplits d = packed_dataset();
  const std::vector<TrialConfig> mix = packed_mix();
  PackedOptions fixed;
  fixed.fixed_epochs = 2;
  const PackedOutcomes a = run_packed_mix(*b->packed(), mix, d, fixed);
  BackendOptions bo;
  bo.threads = 1;
  auto cpu = make_backend("cpu", bo);
  TrainOptions t;
  t.fixed_epochs = 2;
  for (const TrialConfig& c : mix) {
    auto s = cpu->open(c, d.fit());
    TrialResult r = train_trial(*s, c, d.fit(), d.val(), t);
    const TrialResult& p = a.at(c.index).result;
    ASSERT_EQ(p.history.size(), 2u) << a.at(c.index).error;
    for (int e = 0; e < 2; ++e) {
      const double tol = 1e-5 + 1e-3 * std::abs(r.history[e].val_loss);
      EXPECT_NEAR(p.history[e].loss, r.history[e].loss, tol) << "trial " << c.index;
      EXPECT_NEAR(p.history[e].val_loss, r.history[e].val_loss, tol) << "trial " << c.index;
    }
  }
}

TEST(GpuPacked, TooLargeForTheDeviceFailsWithTheReason) {
  QRS_REQUIRE_GPU();
  auto b = gpu_backend();
  const DataSplits d = packed_dataset();
  std::vector<TrialConfig> mix = packed_mix();
  TrialConfig huge = mix[0];
  huge.index = 999;
  huge.sizes = {1000000, 1000000, 0, 0, 0};  // 4e12 parameters: more than any GPU holds
  mix.push_back(huge);
  const PackedOutcomes a = run_packed_mix(*b->packed(), mix, d, PackedOptions{});
  EXPECT_NE(a.at(999).error.find("too large for the device"), std::string::npos) << a.at(999).error;
  for (const auto& [i, o] : a)
    if (i != 999) {
      EXPECT_EQ(o.error, "") << "trial " << i;
    }
}

}  // namespace
}  // namespace qrsweep::test
