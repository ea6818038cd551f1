// The CUDA backend's host code (host/cuda, host/device, host/packed: the production objects)
// on the emulated device: trained alone it equals the CPU backend within 1e-4 per epoch, on
// every executor mode; packed, with graphs on or off and whatever the stream seed, it equals
// the reference executor bit for bit; a device too small fails the trials that do not fit;
// an injected fault is contained, and an illegal address stays sticky as on a GPU.
#include <gtest/gtest.h>

#include <cmath>

#include "cuda/cuda_backend.h"
#include "device/device_backend.h"
#include "emu_device.h"
#include "emulator.h"
#include "gpu_packed_cases.h"
#include "qrsweep/trainer.h"
#include "support/test_support.h"

namespace qrsweep::test {
namespace {

TrialConfig small_trial(Activation act, double momentum, int batch) {
  TrialConfig c;
  c.index = 1;
  c.seed = 7;
  c.hidden_layers = 2;
  c.sizes = {10, 6, 0, 0, 0};
  c.activation = act;
  c.dropout = {true, false, false, false, false};
  c.dropout_rate = {0.2, 0, 0, 0, 0};
  c.momentum = momentum;
  c.learning_rate = 0.01;
  c.batch_size = batch;
  c.max_epochs = 3;
  return c;
}

void expect_matches_cpu(Backend& dev, const TrialConfig& cfg, const DatasetView& fit,
                        const DatasetView& val, double rel) {
  SCOPED_TRACE(dev.device() + ", activation " + activation_name(cfg.activation));
  auto cpu = make_backend("cpu", BackendOptions{1});
  TrainOptions opt;
  opt.fixed_epochs = 3;
  auto s_cpu = cpu->open(cfg, fit);
  const TrialResult r_cpu = train_trial(*s_cpu, cfg, fit, val, opt);
  auto s_dev = dev.open(cfg, fit);
  const TrialResult r_dev = train_trial(*s_dev, cfg, fit, val, opt);
  ASSERT_EQ(r_dev.history.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    const EpochMetrics& a = r_dev.history[e];
    const EpochMetrics& b = r_cpu.history[e];
    EXPECT_NEAR(a.loss, b.loss, rel * b.loss) << "epoch " << e + 1;
    EXPECT_NEAR(a.val_loss, b.val_loss, rel * b.val_loss) << "epoch " << e + 1;
    EXPECT_NEAR(a.val_accuracy, b.val_accuracy, rel > 1e-3 ? 0.05 : 0.0) << "epoch " << e + 1;
  }
}

class EmuCuda : public ::testing::Test {
 protected:
  void SetUp() override { emu_device::reset_errors(); }
  void TearDown() override {
    emu_device::reset_errors();
    emu_device::set_memory_bytes(size_t{1} << 30);
    emu_device::set_stream_seed(1);
  }
};

TEST_F(EmuCuda, TheBackendIsTheEmulatedDeviceAndTheStoreSeesItsModes) {
  std::string why;
  ASSERT_TRUE(cuda_available(&why)) << why;
  BackendOptions bo;
  bo.cuda.cublas = true;
  bo.cuda.sync_each_op = true;
  auto b = make_backend("cuda", bo);  // the CPU self-check runs on it first
  EXPECT_EQ(b->name(), "cuda");
  EXPECT_EQ(b->device(), "emulated device (sm_80, cuBLAS, FP32, sync each op)");
  BackendOptions plain;
  plain.cuda.graphs = false;
  EXPECT_EQ(make_backend("cuda", plain)->device(),
            "emulated device (sm_80, own kernels, FP32, no graphs)");
}

TEST_F(EmuCuda, TrainingAloneMatchesTheCpuOnEveryMode) {
  const Dataset data = synthetic_dataset(260, 12, 4, 21);
  const DatasetView val = data.view().rows(0, 60), fit = data.view().rows(60, 200);
  CudaExecutorOptions graphs, direct, cublas, sync;
  direct.graphs = false;
  cublas.engine = GemmEngine::kCublas;
  sync.sync_each_op = true;
  for (const CudaExecutorOptions& o : {graphs, direct, cublas, sync}) {
    auto b = make_cuda_backend_with(o);
    expect_matches_cpu(*b, small_trial(Activation::kRelu, 0.9, 16), fit, val, 1e-4);
    expect_matches_cpu(*b, small_trial(Activation::kTanh, 0.0, 7), fit, val, 1e-4);
  }
  // TF32 (the emulated wmma, tests/emu/shim/mma.h): about three decimal digits.
  CudaExecutorOptions tf32;
  tf32.math = GemmMath::kTf32;
  auto b = make_cuda_backend_with(tf32);
  expect_matches_cpu(*b, small_trial(Activation::kSigmoid, 0.5, 16), fit, val, 2e-2);
}

std::vector<TrialConfig> small_mix() {
  std::vector<TrialConfig> mix = packed_mix();
  mix.resize(6);
  for (TrialConfig& c : mix) c.max_epochs = 3;
  return mix;
}

TEST_F(EmuCuda, APackedSweepEqualsTheReferenceExecutorAndTheTrialsAlone) {
  const DataSplits d = packed_dataset();
  const std::vector<TrialConfig> mix = small_mix();
  auto reference = make_device_backend(make_reference_executor(), "reference");
  const PackedOutcomes want = run_packed_mix(*reference->packed(), mix, d, PackedOptions{});
  for (const TrialConfig& c : mix) ASSERT_EQ(want.at(c.index).error, "") << c.index;
  CudaExecutorOptions on, off;
  off.graphs = false;
  for (const CudaExecutorOptions& o : {on, off}) {
    auto b = make_cuda_backend_with(o);
    PackedStats stats;
    PackedOptions opt;
    opt.max_resident = 4;
    expect_same_outcomes(want, run_packed_mix(*b->packed(), mix, d, opt, &stats), b->device());
    if (o.graphs) {
      EXPECT_GT(stats.graph_replays, 0);
    } else {
      EXPECT_EQ(stats.graph_replays, 0);
    }
  }
  auto alone = make_cuda_backend_with(on);
  for (const TrialConfig& c : mix) {
    auto s = alone->open(c, d.fit());
    const TrialResult r = train_trial(*s, c, d.fit(), d.val(), TrainOptions{});
    expect_same_history(want.at(c.index).result, r, "alone, trial " + std::to_string(c.index));
  }
}

// The stream order among independent work and the order of every grid's blocks, each drawn
// from a seed: the histories do not depend on either.
TEST_F(EmuCuda, TheStreamAndBlockOrderSeedsChangeNothing) {
  const DataSplits d = packed_dataset();
  std::vector<TrialConfig> mix = small_mix();
  mix.resize(3);
  PackedOutcomes first;
  for (uint64_t seed : {11u, 12u, 13u}) {
    emu_device::set_stream_seed(seed);
    emu::set_block_order_seed(seed * 7919);
    auto b = make_cuda_backend_with(CudaExecutorOptions{});
    const PackedOutcomes got = run_packed_mix(*b->packed(), mix, d, PackedOptions{});
    if (first.empty())
      first = got;
    else
      expect_same_outcomes(first, got, "seed " + std::to_string(seed));
  }
  emu::set_block_order_seed(1);
}

// The memory plan (the device's free memory less a margin) refuses a trial that cannot fit
// before allocating anything; one the plan lets through (a budget asked for beyond the
// device) is refused by cudaMalloc, not sticky: it fails with the allocator's error, its
// partial allocations are freed, and the rest train as they would alone.
TEST_F(EmuCuda, ADeviceTooSmallFailsTheTrialsThatDoNotFitAndTrainsTheRest) {
  const DataSplits d = packed_dataset();
  std::vector<TrialConfig> mix = small_mix();
  mix.resize(3);
  auto reference = make_device_backend(make_reference_executor(), "reference");
  const PackedOutcomes alone = run_packed_mix(*reference->packed(), mix, d, PackedOptions{});
  TrialConfig big = mix[0];
  big.index = 99;
  big.sizes = {4000, 4000, 0, 0, 0};  // 16e6 weights: 64 MB each for values, gradients, state
  mix.push_back(big);
  emu_device::set_memory_bytes(size_t{600} << 20);  // a budget of 28 MiB after the margin
  auto b = make_cuda_backend_with(CudaExecutorOptions{});
  PackedOutcomes got = run_packed_mix(*b->packed(), mix, d, PackedOptions{});
  EXPECT_NE(got.at(99).error.find("too large for the device: needs"), std::string::npos)
      << got.at(99).error;
  got.erase(99);
  expect_same_outcomes(alone, got, "beside a trial too large");

  emu_device::set_memory_bytes(size_t{100} << 20);
  PackedOptions beyond;
  beyond.memory_budget = size_t{1} << 30;
  got = run_packed_mix(*b->packed(), mix, d, beyond);
  EXPECT_NE(got.at(99).error.find("cudaErrorMemoryAllocation"), std::string::npos)
      << got.at(99).error;
  got.erase(99);
  expect_same_outcomes(alone, got, "beside a trial cudaMalloc refused");
  size_t free_bytes = 0, total = 0;
  ASSERT_TRUE(make_cuda_executor(CudaExecutorOptions{})->memory_info(&free_bytes, &total));
  EXPECT_GT(free_bytes, total / 2) << "the refused trial's partial allocations were not freed";
}

}  // namespace
}  // namespace qrsweep::test
