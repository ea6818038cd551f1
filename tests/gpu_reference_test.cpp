// The CUDA backend's host half, checked without a GPU: descriptor checks, the tile scheduler,
// launcher preconditions, the host reference executor against the CPU twins, and the whole
// device session (buffers, descriptors, readbacks) on that executor against the CPU backend.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

#include "cpu/cpu_backend.h"
#include "device/device_backend.h"
#include "gpu_cases.h"
#include "grouped_gemm.cuh"
#include "qrsweep/trainer.h"
#include "rmsprop.cuh"
#include "softmax_xent.cuh"
#include "support/test_support.h"

namespace qrsweep::test {
namespace {

// Reference executor vs BLAS: the same products summed in another order.
const Tolerance kHostTol{2e-5, 1e-4, 1e-9};

TEST(TileScheduler, EveryOutputBelongsToExactlyOneTile) {
  const int shapes[][2] = {{1, 1}, {5, 7}, {64, 64}, {65, 63}, {600, 7}, {1, 1500}, {129, 200}};
  std::vector<int> tiles;
  std::vector<GemmProblem> ps;
  for (auto& s : shapes) {
    GemmProblem p{};
    p.m = s[0];
    p.n = s[1];
    ps.push_back(p);
    tiles.push_back(gemm_tiles(p));
  }
  const std::vector<int> off = prefix_offsets(tiles);
  ASSERT_EQ(off.size(), ps.size() + 1);
  std::vector<std::vector<int>> covered(ps.size());
  for (size_t q = 0; q < ps.size(); ++q) covered[q].assign(size_t(ps[q].m) * ps[q].n, 0);
  for (int t = 0; t < off.back(); ++t) {
    // The kernel's own decomposition (grouped_gemm.cu, locate_tile).
    const int q = find_problem(off.data(), static_cast<int>(ps.size()), t);
    ASSERT_GE(t, off[q]);
    ASSERT_LT(t, off[q + 1]);
    const int local = t - off[q];
    const int tiles_n = (ps[q].n + kGemmTileN - 1) / kGemmTileN;
    const int m0 = local / tiles_n * kGemmTileM, n0 = local % tiles_n * kGemmTileN;
    for (int i = m0; i < std::min(m0 + kGemmTileM, ps[q].m); ++i)
      for (int j = n0; j < std::min(n0 + kGemmTileN, ps[q].n); ++j)
        ++covered[q][size_t(i) * ps[q].n + j];
  }
  for (size_t q = 0; q < ps.size(); ++q)
    for (int c : covered[q]) ASSERT_EQ(c, 1) << "problem " << q;
}

TEST(TileScheduler, SkipsProblemsWithoutTiles) {
  const std::vector<int> off = prefix_offsets({2, 0, 0, 3, 0});
  EXPECT_EQ(find_problem(off.data(), 5, 0), 0);
  EXPECT_EQ(find_problem(off.data(), 5, 1), 0);
  EXPECT_EQ(find_problem(off.data(), 5, 2), 3);
  EXPECT_EQ(find_problem(off.data(), 5, 4), 3);
  EXPECT_THROW(prefix_offsets({0x7fffffff, 1}), Error);
  EXPECT_THROW(prefix_offsets({-1}), Error);
}

TEST(ProblemChecks, RejectBadDescriptors) {
  float buf[16] = {};
  GemmProblem good{};
  good.m = good.n = good.k = 2;
  good.lda = good.ldb = good.ldc = 2;
  good.a = buf;
  good.b = buf + 4;
  good.c = buf + 8;
  good.a_ones_row = -1;
  EXPECT_NO_THROW(check_problem(good));
  GemmProblem p = good;
  p.k = 0;
  EXPECT_THROW(check_problem(p), Error);
  p = good;
  p.lda = 1;
  EXPECT_THROW(check_problem(p), Error);
  p = good;
  p.a_ones_row = 0;  // row mode
  EXPECT_THROW(check_problem(p), Error);
  p = good;
  p.epilogue = kForward;  // no bias
  EXPECT_THROW(check_problem(p), Error);
  p.bias = buf;
  p.drop_rate = 0.5f;  // no h
  EXPECT_THROW(check_problem(p), Error);
  p = good;
  p.c = buf;  // aliases a
  EXPECT_THROW(check_problem(p), Error);
  XentProblem x{};
  EXPECT_THROW(check_problem(x), Error);
  RmspropProblem r{buf, buf, buf, buf, 4, 0.0f, 0.0f};  // lr 0
  EXPECT_THROW(check_problem(r), Error);
}

TEST(Launchers, CheckPreconditionsBeforeTouchingTheDevice) {
  EXPECT_THROW(launch_grouped_gemm(nullptr, nullptr, 1, 1, GemmMath::kFp32, nullptr), Error);
  EXPECT_THROW(launch_softmax_xent(nullptr, 1, nullptr), Error);
  EXPECT_THROW(launch_rmsprop(nullptr, nullptr, 1, 1, nullptr), Error);
}

TEST(ReferenceExecutor, ForwardMatchesCpuTwin) {
  auto ex = make_reference_executor();
  const Activation acts[] = {Activation::kRelu, Activation::kTanh, Activation::kSigmoid,
                             Activation::kNone};
  const int shapes[][3] = {{1, 1, 1},    {5, 7, 5},   {7, 5, 7},
                           {17, 33, 10}, {5, 1, 784}, {66, 70, 65}};
  uint32_t seed = 1;
  for (auto& s : shapes)
    for (Activation act : acts)
      for (bool gather : {false, true})
        for (float rate : {0.0f, 0.3f}) {
          DenseCase c{s[0], s[1], s[2], act, rate, gather, false, seed++};
          check_forward(*ex, c, kHostTol);
        }
}

TEST(ReferenceExecutor, BackwardMatchesCpuTwin) {
  auto ex = make_reference_executor();
  const Activation acts[] = {Activation::kRelu, Activation::kTanh, Activation::kSigmoid};
  const int shapes[][3] = {{1, 1, 1},    {5, 7, 5},   {7, 5, 7},
                           {17, 33, 10}, {5, 784, 7}, {66, 70, 65}};
  uint32_t seed = 100;
  for (auto& s : shapes)
    for (Activation act : acts)
      for (bool gather : {false, true})
        for (float rate : {0.0f, 0.45f}) {
          DenseCase c{s[0], s[1], s[2], act, rate, gather, false, seed++};
          check_backward(*ex, c, kHostTol, /*db_exact=*/true);
        }
}

TEST(ReferenceExecutor, SmallIntegerProductsAreExact) {
  auto ex = make_reference_executor();
  DenseCase c{33, 70, 65, Activation::kRelu, 0.5f, false, true, 7};
  check_forward(*ex, c, Tolerance{});
  check_backward(*ex, c, Tolerance{}, true);
}

TEST(ReferenceExecutor, SoftmaxXentAndRmspropMatchCpuTwins) {
  auto ex = make_reference_executor();
  check_xent(*ex, 1, 10, 1);
  check_xent(*ex, 600, 10, 2);
  check_xent(*ex, 37, 7, 3);
  check_rmsprop(*ex, 1, 4);
  check_rmsprop(*ex, 5000, 5);
}

// ---- The device session on the host executor vs the CPU reference backend ---------------

TrialConfig small_trial(Activation act, double momentum, int layers) {
  TrialConfig c;
  c.index = 4;
  c.seed = 20240601;
  c.hidden_layers = layers;
  c.activation = act;
  const int sizes[] = {48, 23, 17};
  for (int k = 0; k < layers; ++k) c.sizes[k] = sizes[k];
  c.dropout[0] = true;
  c.dropout_rate[0] = 0.25;
  if (layers > 2) {
    c.dropout[2] = true;
    c.dropout_rate[2] = 0.4;
  }
  c.learning_rate = 0.003;
  c.momentum = momentum;
  c.batch_size = 37;
  c.max_epochs = 3;
  return c;
}

void expect_same_training(Backend& got_backend, const TrialConfig& cfg, const Dataset& data,
                          double rel) {
  SCOPED_TRACE(got_backend.device());
  const DatasetView val = data.view().rows(0, 100), fit = data.view().rows(100, data.n - 100);
  auto cpu = make_cpu_backend(BackendOptions{});
  TrainOptions opt;
  opt.fixed_epochs = 3;
  std::vector<double> steps_cpu, steps_got;
  auto s_cpu = cpu->open(cfg, fit);
  opt.step_losses = &steps_cpu;
  TrialResult r_cpu = train_trial(*s_cpu, cfg, fit, val, opt);
  auto s_got = got_backend.open(cfg, fit);
  opt.step_losses = &steps_got;
  TrialResult r_got = train_trial(*s_got, cfg, fit, val, opt);
  ASSERT_EQ(r_got.history.size(), 3u);
  ASSERT_EQ(r_cpu.history.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    const auto& a = r_got.history[e];
    const auto& b = r_cpu.history[e];
    EXPECT_NEAR(a.loss, b.loss, rel * b.loss) << "epoch " << e + 1;
    EXPECT_NEAR(a.val_loss, b.val_loss, rel * b.val_loss) << "epoch " << e + 1;
    EXPECT_NEAR(a.accuracy, b.accuracy, 0.02) << "epoch " << e + 1;
    EXPECT_NEAR(a.val_accuracy, b.val_accuracy, 0.02) << "epoch " << e + 1;
  }
  ASSERT_EQ(steps_got.size(), steps_cpu.size());
  for (size_t i = 0; i < steps_got.size(); ++i)
    ASSERT_NEAR(steps_got[i], steps_cpu[i], 10 * rel * steps_cpu[i] + 1e-6) << "step " << i;
  // The final weights agree too, and round-trip through set_weights.
  const Weights w_got = s_got->weights(), w_cpu = s_cpu->weights();
  ASSERT_EQ(w_got.widths(), w_cpu.widths());
  for (size_t k = 0; k < w_got.layers.size(); ++k) {
    EXPECT_TRUE(close(w_got.layers[k].w, w_cpu.layers[k].w, Tolerance{1e-3, 1e-2, 1e-6}, "W"));
    EXPECT_TRUE(close(w_got.layers[k].b, w_cpu.layers[k].b, Tolerance{1e-3, 1e-2, 1e-6}, "b"));
  }
  s_got->set_weights(w_cpu);
  const Weights back = s_got->weights();
  for (size_t k = 0; k < back.layers.size(); ++k)
    EXPECT_TRUE(close(back.layers[k].w, w_cpu.layers[k].w, Tolerance{}, "set_weights"));
  const PassStats ev_got = s_got->evaluate(val), ev_cpu = s_cpu->evaluate(val);
  EXPECT_NEAR(ev_got.loss_sum, ev_cpu.loss_sum, 1e-5 * ev_cpu.loss_sum);
  EXPECT_EQ(ev_got.correct, ev_cpu.correct);
  EXPECT_EQ(ev_got.samples, ev_cpu.samples);
}

TEST(ReferenceBackend, TrainsLikeTheCpuBackend) {
  const Dataset data = synthetic_dataset(700, 40, 10, 11);
  auto backend = make_device_backend(make_reference_executor(), "host reference executor");
  expect_same_training(*backend, small_trial(Activation::kSigmoid, 0.2, 2), data, 1e-5);
  expect_same_training(*backend, small_trial(Activation::kRelu, 0.0, 3), data, 1e-5);
  expect_same_training(*backend, small_trial(Activation::kTanh, 0.9, 1), data, 1e-5);
}

// Float features (real-valued data): the device session uploads and gathers floats, as
// the CPU backend's float gather reads them.
TEST(ReferenceBackend, TrainsFloatFeaturesLikeTheCpuBackend) {
  Dataset data = synthetic_dataset(700, 40, 10, 11);
  for (uint8_t v : data.x) data.xf.push_back((static_cast<float>(v) - 127.5f) / 40.0f);
  data.x.clear();
  auto backend = make_device_backend(make_reference_executor(), "host reference executor");
  expect_same_training(*backend, small_trial(Activation::kTanh, 0.2, 2), data, 1e-5);
  expect_same_training(*backend, small_trial(Activation::kRelu, 0.0, 1), data, 1e-5);
}

TEST(ReferenceBackend, StepLimitAndBatchLargerThanData) {
  const Dataset data = synthetic_dataset(160, 12, 4, 5);
  TrialConfig cfg = small_trial(Activation::kRelu, 0.5, 2);
  cfg.batch_size = 500;  // one partial batch per epoch, bigger than the evaluation chunk
  auto backend = make_device_backend(make_reference_executor(), "host reference executor");
  expect_same_training(*backend, cfg, data, 1e-5);
  auto s = backend->open(cfg, data.view());
  std::vector<uint32_t> order(data.n);
  std::iota(order.begin(), order.end(), 0u);
  EpochRequest req;
  req.order = order.data();
  req.max_steps = 0;
  EXPECT_EQ(s->train_epoch(req).steps, 0);
  order[3] = static_cast<uint32_t>(data.n);  // out of range: refused on the host
  req.max_steps = -1;
  EXPECT_THROW(s->train_epoch(req), Error);
}

}  // namespace
}  // namespace qrsweep::test
