// The grouped FP32 GEMM kernel's own source on the emulator, every checker on, against
// ReferenceExecutor's loops (its CPU twin): every operand mode, epilogue and activation,
// dropout on and off, vector and scalar load paths, awkward shapes, all in grouped launches.
// Bit for bit: both compute each output as one fmaf chain over k with the same epilogue.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "emulated_executor.h"
#include "emulator.h"
#include "gemm_cases.h"
#include "grouped_gemm.cuh"

namespace qrsweep::test {
namespace {

std::vector<std::vector<float>> run_gemm(Executor& ex, const std::vector<GemmSpec>& specs) {
  GemmBuild build(&ex, specs, 7);
  ex.begin_step();
  Staged<GemmProblem> staged = ex.stage_gemm(build.problems());
  ex.gemm(staged);
  ex.end_step();
  std::vector<std::vector<float>> out;
  for (const GemmOut& o : build.outputs()) {
    out.emplace_back(o.elems);
    ex.copy_to_host(out.back().data(), o.c, o.elems * sizeof(float));
    if (o.h) {
      out.emplace_back(o.elems);
      ex.copy_to_host(out.back().data(), o.h, o.elems * sizeof(float));
    }
  }
  return out;
}

// The emulated kernel's outputs equal the reference executor's bit for bit (NaN padding
// included: what the kernel must not write stays as it was).
void expect_same_as_reference(const std::vector<GemmSpec>& specs) {
  auto emulated = make_emulated_executor();
  auto reference = make_reference_executor();
  const auto got = run_gemm(*emulated, specs);
  const auto want = run_gemm(*reference, specs);
  ASSERT_EQ(got.size(), want.size());
  size_t out = 0;
  for (const GemmSpec& s : specs) {
    const int parts = s.epilogue == kForward && s.drop > 0.0f ? 2 : 1;
    for (int part = 0; part < parts; ++part, ++out) {
      const auto& g = got[out];
      const auto& w = want[out];
      ASSERT_EQ(g.size(), w.size());
      for (size_t e = 0; e < g.size(); ++e) {
        if (std::memcmp(&g[e], &w[e], sizeof(float)) != 0) {
          ADD_FAILURE() << s.name() << (part ? " h" : " c") << ": element " << e << " (row "
                        << e / (s.n + s.pad) << ", col " << e % (s.n + s.pad) << ") is " << g[e]
                        << ", reference " << w[e];
          break;
        }
      }
    }
  }
}

GemmSpec spec(int m, int n, int k, int a_mode, int b_mode) {
  GemmSpec s;
  s.m = m;
  s.n = n;
  s.k = k;
  s.a_mode = a_mode;
  s.b_mode = b_mode;
  return s;
}

// Every (A mode, B mode) pair, aligned (vector loads) and misaligned or padded (scalar
// loads), on shapes that cut tiles at every edge.
TEST(EmuGemm, OperandModesBothLoadPaths) {
  std::vector<GemmSpec> specs;
  const int shapes[][3] = {{1, 1, 1}, {5, 7, 31}, {33, 65, 7}, {63, 5, 33}, {65, 31, 63}};
  int i = 0;
  for (int a : {kARow, kACol, kARowU8, kAColU8, kARowF32, kAColF32})
    for (int b : {kBRow, kBCol}) {
      for (int path = 0; path < 3; ++path, ++i) {
        const auto& sh = shapes[i % 5];
        GemmSpec s = spec(sh[0], sh[1], sh[2], a, b);
        s.misalign = path == 1;
        s.pad = path == 2 ? 3 : 0;
        specs.push_back(s);
      }
    }
  expect_same_as_reference(specs);
}

// A multiple of 4 everywhere: every load takes the vector path (float4 / uchar4).
TEST(EmuGemm, VectorPathShapes) {
  std::vector<GemmSpec> specs;
  for (int a : {kARow, kACol, kARowU8, kAColU8, kARowF32, kAColF32})
    for (int b : {kBRow, kBCol}) specs.push_back(spec(68, 72, 40, a, b));
  expect_same_as_reference(specs);
}

// The U8 and F32 (float feature) gathers through a row map, and the ones row that puts db
// in the last row of dW.
TEST(EmuGemm, RowMapAndOnesRow) {
  std::vector<GemmSpec> specs;
  for (int a : {kARowU8, kAColU8, kARowF32, kAColF32}) {
    for (bool map : {false, true}) {
      GemmSpec s = spec(33, 31, 65, a, kBRow);
      s.row_map = map;
      specs.push_back(s);
    }
  }
  for (int a : {kACol, kAColU8, kAColF32})
    for (int m : {1, 5, 8, 65}) {
      GemmSpec s = spec(m, 7, 33, a, kBRow);
      s.ones_row = true;
      s.row_map = a != kACol;
      specs.push_back(s);
    }
  expect_same_as_reference(specs);
}

// Forward (bias, each activation, dropout on and off) and backward (each act', dropout on
// and off) epilogues.
TEST(EmuGemm, EveryEpilogueAndActivation) {
  std::vector<GemmSpec> specs;
  for (Activation act :
       {Activation::kNone, Activation::kRelu, Activation::kTanh, Activation::kSigmoid})
    for (float drop : {0.0f, 0.3f}) {
      GemmSpec f = spec(31, 33, 17, kARow, kBRow);
      f.epilogue = kForward;
      f.act = act;
      f.drop = drop;
      specs.push_back(f);
      GemmSpec b = spec(33, 31, 19, kARow, kBCol);
      b.epilogue = kBackward;
      b.act = act;
      b.drop = drop;
      specs.push_back(b);
    }
  expect_same_as_reference(specs);
}

// The long dimensions: 784 and 1,500 along each of m, n and k (the others small, so the
// emulated launch stays quick).
TEST(EmuGemm, LongDimensions) {
  expect_same_as_reference({spec(1500, 5, 7, kARow, kBRow), spec(7, 1500, 5, kARow, kBCol),
                            spec(5, 7, 1500, kACol, kBRow), spec(784, 33, 5, kARowU8, kBRow),
                            spec(31, 784, 3, kARow, kBRow), spec(3, 9, 784, kARowU8, kBCol)});
}

// A slice of the notebook plan's shape mix (batch 5..600, widths 20..1,500, 784 inputs, 10
// classes): one trial's forward, output, dW|db and dX problems in one grouped launch.
TEST(EmuGemm, NotebookPlanSliceInOneLaunch) {
  std::vector<GemmSpec> specs;
  GemmSpec l1 = spec(17, 37, 784, kARowU8, kBRow);  // first layer, rows through a map
  l1.row_map = true;
  l1.epilogue = kForward;
  l1.act = Activation::kRelu;
  l1.drop = 0.25f;
  specs.push_back(l1);
  GemmSpec out = spec(17, 10, 37, kARow, kBRow);  // output layer: logits
  out.epilogue = kForward;
  specs.push_back(out);
  GemmSpec dw2 = spec(38, 10, 17, kACol, kBRow);  // dW|db of the output layer
  dw2.ones_row = true;
  specs.push_back(dw2);
  GemmSpec dx = spec(17, 37, 10, kARow, kBCol);  // dX through W^T, relu' and dropout
  dx.epilogue = kBackward;
  dx.act = Activation::kRelu;
  dx.drop = 0.25f;
  specs.push_back(dx);
  GemmSpec dw1 = spec(785, 37, 17, kAColU8, kBRow);  // dW|db of the first layer
  dw1.ones_row = true;
  dw1.row_map = true;
  specs.push_back(dw1);
  GemmSpec l2 = spec(600, 24, 20, kARow, kBRow);  // a wide batch, narrow layers
  l2.epilogue = kForward;
  l2.act = Activation::kTanh;
  specs.push_back(l2);
  expect_same_as_reference(specs);
}

// The first layer of float features (real-valued data): the forward product with bias,
// activation and dropout, and dW|db with the ones row, both gathering 784-wide rows through
// a row map, in one launch with a byte-feature trial's first layer.
TEST(EmuGemm, FloatFeatureFirstLayerGathersLikeTheBytes) {
  std::vector<GemmSpec> specs;
  for (int a : {kARowF32, kARowU8}) {
    GemmSpec l1 = spec(19, 36, 784, a, kBRow);
    l1.row_map = true;
    l1.epilogue = kForward;
    l1.act = Activation::kTanh;
    l1.drop = 0.3f;
    specs.push_back(l1);
  }
  for (int a : {kAColF32, kAColU8}) {
    GemmSpec dw1 = spec(785, 36, 19, a, kBRow);
    dw1.ones_row = true;
    dw1.row_map = true;
    specs.push_back(dw1);
  }
  GemmSpec misaligned = spec(21, 9, 40, kARowF32, kBRow);  // scalar loads of the gather
  misaligned.row_map = true;
  misaligned.misalign = true;
  specs.push_back(misaligned);
  expect_same_as_reference(specs);
}

// The block order changes with the seed and the results do not.
TEST(EmuGemm, BlockOrderDoesNotMatter) {
  const std::vector<GemmSpec> specs = {spec(130, 129, 20, kARow, kBRow)};
  const uint64_t saved = emu::block_order_seed();
  for (uint64_t seed : {2u, 3u}) {
    emu::set_block_order_seed(seed);
    expect_same_as_reference(specs);
  }
  emu::set_block_order_seed(saved);
}

// A ones row before the last shifts no row: A(i, kk) for i past it is still read from memory
// row i, so memory must hold all m rows. The descriptor check allowed m - 1 (enough only when
// the ones row is the last); the emulator showed the kernel reading past A.
TEST(EmuGemm, OnesRowBeforeTheLastNeedsEveryRowInMemory) {
  auto emulated = make_emulated_executor();
  GemmBuild build(emulated.get(), {[] {
                    GemmSpec s = spec(9, 7, 5, kACol, kBRow);
                    s.ones_row = true;  // row 8, lda 8
                    return s;
                  }()},
                  1);
  std::vector<GemmProblem> problems = build.problems();
  problems[0].a_ones_row = 0;  // lda 8 is one row short now
  emulated->begin_step();
  try {
    emulated->gemm(emulated->stage_gemm(problems));
    ADD_FAILURE() << "accepted";
  } catch (const emu::KernelFault& e) {
    ADD_FAILURE() << "the descriptor check let it through to the kernel: " << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lda"), std::string::npos) << e.what();
  }
  emulated->end_step();
}

// TF32 on the host, as cvt.rna.tf32.f32 documents it: 10 mantissa bits, nearest, ties away
// from zero (the test's own oracle, written apart from the emulated mma.h).
float tf32(float x) {
  if (!std::isfinite(x) || x == 0.0f) return x;
  const float scale = std::ldexp(1.0f, 10 - std::ilogb(x));  // 2^10 / 2^exponent
  return std::round(x * scale) / scale;                      // std::round: ties away from 0
}

// The TF32 tensor-core kernel under the emulated wmma API (fragments, warp-collective loads,
// stores and mma): its tiling, staging through shared memory, fragment layouts and epilogue,
// against a CPU twin that rounds both operands to TF32 and accumulates in k order.
TEST(EmuGemm, Tf32KernelMatchesItsTwin) {
  std::vector<GemmSpec> specs;
  for (int a : {kARow, kACol, kARowU8, kAColU8, kARowF32, kAColF32})
    for (int b : {kBRow, kBCol}) {
      GemmSpec s = spec(33 + 32 * (a & 1), 65 - 32 * b, 31 + 2 * a, a, b);
      s.epilogue = a == kARow ? kForward : a == kACol ? kBackward : kStore;
      s.act = static_cast<Activation>(1 + (a + b) % 3);
      s.drop = s.epilogue == kStore ? 0.0f : 0.3f;
      s.ones_row = a == kAColU8 || a == kAColF32;
      s.row_map = a >= kARowU8;
      s.misalign = b == kBCol;
      specs.push_back(s);
    }
  auto emulated = make_emulated_executor();
  auto reference = make_reference_executor();
  GemmBuild got(emulated.get(), specs, 9), want(reference.get(), specs, 9);
  emulated->begin_step();
  const Staged<GemmProblem> st = emulated->stage_gemm(got.problems());
  launch_grouped_gemm(st.problems, st.offsets, st.count, st.total, GemmMath::kTf32, nullptr);
  emulated->end_step();
  for (size_t q = 0; q < specs.size(); ++q) {
    const GemmProblem& p = want.problems()[q];
    for (int i = 0; i < p.m; ++i)
      for (int j = 0; j < p.n; ++j) {
        float acc = 0.0f;
        for (int kk = 0; kk < p.k; ++kk)
          acc = std::fma(tf32(gemm_a(p, i, kk)), tf32(gemm_b(p, kk, j)), acc);
        gemm_epilogue(p, i, j, acc);
      }
    const GemmOut& g = got.outputs()[q];
    const GemmOut& w = want.outputs()[q];
    for (size_t e = 0; e < g.elems; ++e) {
      const bool same = g.c[e] == w.c[e] || (std::isnan(g.c[e]) && std::isnan(w.c[e]));
      const bool same_h = !g.h || g.h[e] == w.h[e] || (std::isnan(g.h[e]) && std::isnan(w.h[e]));
      if (!same || !same_h) {
        ADD_FAILURE() << specs[q].name() << ": element " << e << " is " << g.c[e] << ", twin "
                      << w.c[e];
        break;
      }
    }
  }
}

}  // namespace
}  // namespace qrsweep::test
