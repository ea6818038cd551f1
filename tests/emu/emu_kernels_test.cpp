// The other kernels' own source on the emulator, every checker on, against their CPU twins:
// softmax cross-entropy and RMSprop (both branches) against ReferenceExecutor, the Philox
// kernel against PhiloxStream on the host, the cuBLAS path's materialize and epilogue stages
// against gemm_a and gemm_epilogue.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "emu_memory.h"
#include "emulated_executor.h"
#include "gemm_cases.h"
#include "gemm_stages.cuh"
#include "philox_stream.cuh"
#include "qrsweep/philox.h"

namespace qrsweep::test {
namespace {

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// ---- Softmax cross-entropy ----------------------------------------------------------------
struct XentOut {
  std::vector<float> dz;
  double loss = 0;
  int64_t correct = 0;
};

// rows x classes logits (with ties, so the first-max rule matters) and labels read through a
// row map, on `ex`.
XentOut run_xent(Executor& ex, int rows, int classes, bool train, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> level(-8, 8);
  std::vector<float> z(static_cast<size_t>(rows) * classes);
  for (float& v : z) v = static_cast<float>(level(rng)) * 0.75f;
  std::vector<uint8_t> labels(rows + 5);
  for (auto& l : labels) l = static_cast<uint8_t>(rng() % classes);
  std::vector<uint32_t> map(rows);
  for (auto& r : map) r = static_cast<uint32_t>(rng() % (rows + 5));
  DeviceArray<float> dz_(&ex, z.size()), z_(&ex, z.size());
  DeviceArray<uint8_t> labels_(&ex, labels.size());
  DeviceArray<uint32_t> map_(&ex, map.size());
  DeviceArray<double> loss_(&ex, 1);
  DeviceArray<int64_t> correct_(&ex, 1);
  ex.copy_to_device(z_.get(), z.data(), z.size() * sizeof(float));
  ex.copy_to_device(labels_.get(), labels.data(), labels.size());
  ex.copy_to_device(map_.get(), map.data(), map.size() * sizeof(uint32_t));
  XentProblem p{};
  p.z = z_.get();
  p.labels = labels_.get();
  p.rows_idx = map_.get();
  p.dz = train ? dz_.get() : nullptr;
  p.loss_sum = loss_.get();
  p.correct = correct_.get();
  p.rows = rows;
  p.classes = classes;
  ex.begin_step();
  ex.softmax_xent(ex.stage_xent({p}));
  ex.end_step();
  XentOut o;
  if (train) {
    o.dz.resize(z.size());
    ex.copy_to_host(o.dz.data(), dz_.get(), z.size() * sizeof(float));
  }
  ex.copy_to_host(&o.loss, loss_.get(), sizeof(double));
  ex.copy_to_host(&o.correct, correct_.get(), sizeof(int64_t));
  return o;
}

TEST(EmuKernels, SoftmaxXentMatchesTheReference) {
  auto emulated = make_emulated_executor();
  auto reference = make_reference_executor();
  const int shapes[][2] = {{1, 1}, {1, 10}, {5, 7}, {33, 10}, {257, 10}, {600, 31}, {1500, 3}};
  for (const auto& sh : shapes)
    for (bool train : {false, true}) {
      SCOPED_TRACE(std::to_string(sh[0]) + " rows x " + std::to_string(sh[1]) + " classes" +
                   (train ? ", training" : ""));
      const XentOut got = run_xent(*emulated, sh[0], sh[1], train, 11);
      const XentOut want = run_xent(*reference, sh[0], sh[1], train, 11);
      EXPECT_EQ(got.correct, want.correct);
      // Per-row losses are the same floats; the kernel sums them per thread, then in a tree,
      // the reference in row order: the double sums agree to rounding.
      EXPECT_NEAR(got.loss, want.loss, 1e-12 * std::max(1.0, std::fabs(want.loss)));
      ASSERT_EQ(got.dz.size(), want.dz.size());
      for (size_t e = 0; e < got.dz.size(); ++e)
        if (!same_bits(got.dz[e], want.dz[e])) {
          ADD_FAILURE() << "dz[" << e << "] = " << got.dz[e] << ", reference " << want.dz[e];
          break;
        }
    }
}

// ---- RMSprop --------------------------------------------------------------------------------
// Three steps over parameter vectors of several lengths (chunk edges), one grouped launch.
std::vector<std::vector<float>> run_rmsprop(Executor& ex, const std::vector<int64_t>& lengths,
                                            float momentum) {
  std::vector<DeviceArray<float>> arrays;
  std::vector<RmspropProblem> problems;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t q = 0; q < lengths.size(); ++q) {
    const int64_t n = lengths[q];
    RmspropProblem p{};
    p.n = n;
    p.lr = 0.001f * static_cast<float>(q + 1);
    p.momentum = momentum;
    float* ptr[4];
    for (int a = 0; a < 4; ++a) {
      std::vector<float> v(n);
      for (float& x : v) x = a == 2 ? std::fabs(u(rng)) : u(rng);  // ms >= 0
      arrays.emplace_back(&ex, n);
      ex.copy_to_device(arrays.back().get(), v.data(), n * sizeof(float));
      ptr[a] = arrays.back().get();
    }
    p.w = ptr[0];
    p.g = ptr[1];
    p.ms = ptr[2];
    p.mom = ptr[3];
    problems.push_back(p);
  }
  for (int step = 0; step < 3; ++step) {
    ex.begin_step();
    ex.rmsprop(ex.stage_rmsprop(problems));
    ex.end_step();
  }
  std::vector<std::vector<float>> out;
  for (const auto& a : arrays) {
    out.emplace_back(a.size());
    ex.copy_to_host(out.back().data(), a.get(), a.size() * sizeof(float));
  }
  return out;
}

TEST(EmuKernels, RmspropBothBranchesMatchTheReference) {
  auto emulated = make_emulated_executor();
  auto reference = make_reference_executor();
  const std::vector<int64_t> lengths = {1, 5, 255, 1023, 1024, 1025, 3001};
  for (float momentum : {0.0f, 0.9f}) {
    SCOPED_TRACE("momentum " + std::to_string(momentum));
    const auto got = run_rmsprop(*emulated, lengths, momentum);
    const auto want = run_rmsprop(*reference, lengths, momentum);
    ASSERT_EQ(got.size(), want.size());
    for (size_t a = 0; a < got.size(); ++a)
      for (size_t e = 0; e < got[a].size(); ++e)
        if (!same_bits(got[a][e], want[a][e])) {
          ADD_FAILURE() << "array " << a << " element " << e << ": " << got[a][e] << ", reference "
                        << want[a][e];
          break;
        }
  }
}

// ---- Philox ---------------------------------------------------------------------------------
TEST(EmuKernels, PhiloxKernelMatchesTheHostStream) {
  struct Case {
    uint64_t seed;
    uint32_t trial, purpose;
    uint64_t first;
    int64_t blocks;
  };
  const Case cases[] = {{0, 0, 0, 0, 1},
                        {42, 7, purpose_word(Purpose::kDropout, 2), 5, 257},
                        {~0ull, 123456, purpose_word(Purpose::kInit, 1), 0xFFFFFFFEull, 300}};
  for (const Case& c : cases) {
    auto* out = static_cast<uint32_t*>(emu::device_malloc(c.blocks * 16));
    ASSERT_NE(out, nullptr);
    launch_philox_blocks(c.seed, c.trial, c.purpose, c.first, c.blocks, out, nullptr);
    const PhiloxStream s{c.seed, c.trial, c.purpose};
    for (int64_t b = 0; b < c.blocks; ++b) {
      const Philox4 want = s.block(c.first + static_cast<uint64_t>(b));
      for (int q = 0; q < 4; ++q)
        ASSERT_EQ(out[4 * b + q], want.v[q]) << "block " << b << " word " << q;
    }
    emu::device_free(out);
  }
}

// ---- The cuBLAS path's stages -------------------------------------------------------------
// materialize: a_out = gemm_a over m x k; epilogue: gemm_epilogue over c in place. Every A
// mode (with the ones row and a row map) and every epilogue, in one grouped launch each.
TEST(EmuKernels, GemmStagesMatchTheirCpuTwins) {
  auto emulated = make_emulated_executor();
  std::vector<GemmSpec> specs;
  const int modes[] = {kARow, kACol, kARowU8, kAColU8, kARowF32, kAColF32};
  int i = 0;
  for (int a : modes)
    for (int e : {kStore, kForward, kBackward}) {
      GemmSpec s;
      s.m = 31 + 34 * (i % 3);  // 31, 65, 99: chunk edges of 1024 elements
      s.n = 33;
      s.k = 37 + i;
      s.a_mode = a;
      s.epilogue = e;
      s.act = static_cast<Activation>(i % 4);
      s.drop = e == kStore ? 0.0f : 0.2f;
      s.ones_row = (a == kACol || a == kAColU8 || a == kAColF32) && i % 2 == 0;
      s.row_map = a != kARow && a != kACol;
      specs.push_back(s);
      ++i;
    }
  GemmBuild build(emulated.get(), specs, 3);
  std::vector<GemmStage> stages;
  std::vector<DeviceArray<float>> a_out;
  std::vector<int> mat_chunks, epi_chunks;
  for (const GemmProblem& p : build.problems()) {
    GemmStage st{};
    st.problem = p;
    a_out.emplace_back(emulated.get(), static_cast<size_t>(p.m) * p.k);
    st.a_out = a_out.back().get();
    stages.push_back(st);
    mat_chunks.push_back(stage_chunks(st, true));
    epi_chunks.push_back(stage_chunks(st, false));
  }
  // The host copies of what the epilogue reads and writes, before it runs.
  std::vector<std::vector<float>> c_before;
  for (size_t q = 0; q < stages.size(); ++q) {
    const GemmOut& o = build.outputs()[q];
    std::vector<float> c(o.elems);
    std::mt19937 rng(static_cast<uint32_t>(q));
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    for (float& x : c) x = u(rng);
    std::memcpy(o.c, c.data(), c.size() * sizeof(float));  // emulated memory is host memory
    c_before.push_back(c);
  }
  emulated->begin_step();
  auto* st_dev = static_cast<const GemmStage*>(
      emulated->stage_bytes(stages.data(), stages.size() * sizeof(GemmStage)));
  const std::vector<int> mat_off = prefix_offsets(mat_chunks), epi_off = prefix_offsets(epi_chunks);
  auto* mat_dev =
      static_cast<const int*>(emulated->stage_bytes(mat_off.data(), mat_off.size() * 4));
  auto* epi_dev =
      static_cast<const int*>(emulated->stage_bytes(epi_off.data(), epi_off.size() * 4));
  const int count = static_cast<int>(stages.size());
  launch_materialize_a(st_dev, mat_dev, count, mat_off.back(), nullptr);
  launch_gemm_epilogue(st_dev, epi_dev, count, epi_off.back(), nullptr);
  emulated->end_step();

  for (size_t q = 0; q < stages.size(); ++q) {
    const GemmProblem& p = build.problems()[q];
    SCOPED_TRACE(specs[q].name());
    for (int r = 0; r < p.m; ++r)
      for (int kk = 0; kk < p.k; ++kk) {
        const float want = gemm_a(p, r, kk);
        const float got = stages[q].a_out[static_cast<size_t>(r) * p.k + kk];
        if (!same_bits(got, want)) {
          ADD_FAILURE() << "a_out(" << r << ", " << kk << ") = " << got << ", gemm_a " << want;
          r = p.m;
          break;
        }
      }
    // The epilogue's twin on host copies of c (and h).
    const GemmOut& o = build.outputs()[q];
    std::vector<float> c_want = c_before[q], h_want(o.elems, std::nanf(""));
    GemmProblem hp = p;
    hp.c = c_want.data();
    hp.h = o.h ? h_want.data() : nullptr;
    for (int r = 0; r < p.m; ++r)
      for (int j = 0; j < p.n; ++j)
        gemm_epilogue(hp, r, j, c_before[q][static_cast<size_t>(r) * p.ldc + j]);
    for (size_t e = 0; e < o.elems; ++e) {
      if (!same_bits(o.c[e], c_want[e]) || (o.h && !same_bits(o.h[e], h_want[e]))) {
        ADD_FAILURE() << "epilogue element " << e << ": c " << o.c[e] << " / " << c_want[e];
        break;
      }
    }
  }
}

}  // namespace
}  // namespace qrsweep::test
