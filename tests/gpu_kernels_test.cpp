// Every CUDA kernel against its CPU twin (host/cpu/ops.h) on the odd shapes, FP32,
// TF32 and the cuBLAS path; exactness on small integers; grouped == alone bit for bit; the
// FP32 kernel == the host reference executor bit for bit; determinism. Skips without a GPU.
#include <gtest/gtest.h>

#include "cuda/cuda_executor.h"
#include "gpu_cases.h"

namespace qrsweep::test {
namespace {

// FP32 kernel vs BLAS: the same products summed in another order.
const Tolerance kFp32Tol{2e-5, 1e-4, 1e-9};
// TF32 operands carry 10 mantissa bits: ~5e-4 relative per product.
const Tolerance kTf32Tol{1e-2, 2e-2, 2e-5};

std::shared_ptr<Executor> gpu(GemmEngine engine = GemmEngine::kOwn,
                              GemmMath math = GemmMath::kFp32) {
  CudaExecutorOptions o;
  o.engine = engine;
  o.math = math;
  o.sync_each_op = true;
  return make_cuda_executor(o);
}

// (batch, in, out): the widths 1, 5, 7, 784, 1500, 7500 and batches 1, 5, 544, 600.
const int kShapes[][3] = {{1, 784, 7},    {5, 7, 1500},    {544, 784, 1500}, {600, 1500, 7500},
                          {600, 7500, 7}, {1, 7500, 1500}, {5, 1, 784},      {544, 5, 1},
                          {600, 7, 5},    {1, 1, 1},       {5, 1500, 784},   {544, 1500, 5}};
const Activation kActs[] = {Activation::kRelu, Activation::kTanh, Activation::kSigmoid,
                            Activation::kNone};

// Each shape once without and once with the gather; activations rotate over the shapes and
// dropout over (shape, gather), so every combination of the three meets some shape.
std::vector<DenseCase> dense_cases() {
  std::vector<DenseCase> cases;
  uint32_t seed = 1;
  int s_index = 0;
  for (auto& s : kShapes) {
    for (int v = 0; v < 2; ++v) {
      DenseCase c;
      c.batch = s[0];
      c.in = s[1];
      c.out = s[2];
      c.act = kActs[s_index % 4];
      c.drop_rate = (s_index + v) % 3 != 0 ? 0.3f : 0.0f;
      c.gather = v == 1;
      c.seed = seed++;
      cases.push_back(c);
    }
    ++s_index;
  }
  return cases;
}

TEST(GpuGemm, ForwardMatchesCpuTwin) {
  QRS_REQUIRE_GPU();
  auto ex = gpu();
  for (const DenseCase& c : dense_cases()) check_forward(*ex, c, kFp32Tol);
}

TEST(GpuGemm, BackwardMatchesCpuTwin) {
  QRS_REQUIRE_GPU();
  auto ex = gpu();
  for (const DenseCase& c : dense_cases()) check_backward(*ex, c, kFp32Tol, /*db_exact=*/true);
}

TEST(GpuGemm, Tf32MatchesCpuTwinLoosely) {
  QRS_REQUIRE_GPU();
  auto ex = gpu(GemmEngine::kOwn, GemmMath::kTf32);
  for (const DenseCase& c : dense_cases()) {
    check_forward(*ex, c, kTf32Tol);
    check_backward(*ex, c, kTf32Tol, false);
  }
}

TEST(GpuGemm, CublasPathMatchesCpuTwin) {
  QRS_REQUIRE_GPU();
  auto ex = gpu(GemmEngine::kCublas);
  for (const DenseCase& c : dense_cases()) {
    check_forward(*ex, c, kFp32Tol);
    check_backward(*ex, c, kFp32Tol, false);
  }
}

// Small integers: every product and partial sum is exact in fp32 (and in TF32's operands),
// so every path must give the CPU's bits. Relu and a 0.5 rate keep the epilogues exact.
TEST(GpuGemm, SmallIntegerProductsAreBitExact) {
  QRS_REQUIRE_GPU();
  struct Path {
    GemmEngine engine;
    GemmMath math;
  } paths[] = {{GemmEngine::kOwn, GemmMath::kFp32},
               {GemmEngine::kOwn, GemmMath::kTf32},
               {GemmEngine::kCublas, GemmMath::kFp32}};
  for (const Path& path : paths) {
    auto ex = gpu(path.engine, path.math);
    uint32_t seed = 500;
    for (auto& s : kShapes) {
      DenseCase c{s[0], s[1], s[2], Activation::kRelu, 0.5f, false, true, seed++};
      check_forward(*ex, c, Tolerance{});
      check_backward(*ex, c, Tolerance{}, true);
      c.act = Activation::kNone;
      c.drop_rate = 0.0f;
      check_forward(*ex, c, Tolerance{});
    }
  }
}

// ---- Grouping, the reference executor, determinism -----------------------------------------

// A mixed launch: forward (float and gather), dW|db (float and gather), dX with dropout,
// over unrelated shapes, each problem with its own buffers.
struct MixedLaunch {
  std::vector<DeviceArray<float>> floats;
  std::vector<DeviceArray<uint8_t>> bytes;
  std::vector<DeviceArray<uint32_t>> rows;
  std::vector<GemmProblem> problems;
  std::vector<size_t> out_elems;  // per problem: elements of c (and of h when set)

  float* add(Executor& ex, const std::vector<float>& v) {
    floats.push_back(to_device(ex, v));
    return floats.back().get();
  }
};

MixedLaunch make_mixed(Executor& ex, bool transcendental) {
  MixedLaunch L;
  const int shapes[][3] = {{600, 784, 163}, {5, 163, 325}, {544, 7, 1}, {1, 1500, 7},
                           {37, 70, 129},   {64, 64, 64},  {65, 1, 200}};
  uint32_t seed = 900;
  for (auto& s : shapes) {
    const int batch = s[0], in = s[1], out = s[2];
    for (int kind = 0; kind < 4; ++kind, ++seed) {
      GemmProblem p{};
      p.a_ones_row = -1;
      p.seed = 42;
      p.trial = seed;
      p.layer = 2;
      p.step = 7 * seed;
      const bool gather = kind == 1 || kind == 3;
      if (gather) {
        L.bytes.push_back(to_device(ex, random_bytes(size_t(batch + 2) * in, seed)));
        L.rows.push_back(to_device(ex, random_rows(batch, batch + 2, seed)));
      }
      const float* x = L.add(ex, random_floats(size_t(batch) * in, -1, 1, seed));
      const float* w = L.add(ex, random_floats(size_t(in) * out, -0.2f, 0.2f, seed + 1));
      const float* dz = L.add(ex, random_floats(size_t(batch) * out, -0.1f, 0.1f, seed + 2));
      if (kind <= 1) {  // forward
        p.m = batch, p.n = out, p.k = in, p.lda = in;
        if (gather)
          p.a_mode = kARowU8, p.a_u8 = L.bytes.back().get(), p.a_rows = L.rows.back().get();
        else
          p.a_mode = kARow, p.a = x;
        p.b_mode = kBRow, p.b = w, p.ldb = out;
        p.epilogue = kForward;
        p.bias = L.add(ex, random_floats(out, -0.5f, 0.5f, seed + 3));
        p.act = static_cast<int>(transcendental ? kActs[seed % 4] : Activation::kRelu);
        p.drop_rate = 0.35f;
        p.h = L.add(ex, std::vector<float>(size_t(batch) * out, NAN));
        p.ldc = out;
        p.c = L.add(ex, std::vector<float>(size_t(batch) * out, NAN));
        L.out_elems.push_back(size_t(batch) * out);
      } else if (kind == 2) {  // dX with dropout and act'
        p.m = batch, p.n = in, p.k = out;
        p.a_mode = kARow, p.a = dz, p.lda = out;
        p.b_mode = kBCol, p.b = w, p.ldb = out;
        p.epilogue = kBackward;
        p.y_prev = L.add(ex, random_floats(size_t(batch) * in, 0.01f, 0.99f, seed + 4));
        p.act = static_cast<int>(transcendental ? Activation::kSigmoid : Activation::kRelu);
        p.drop_rate = 0.2f;
        p.ldc = in;
        p.c = L.add(ex, std::vector<float>(size_t(batch) * in, NAN));
        L.out_elems.push_back(size_t(batch) * in);
      } else {  // dW|db through the gather and the ones row
        p.m = in + 1, p.n = out, p.k = batch;
        p.a_mode = kAColU8, p.a_u8 = L.bytes.back().get(), p.a_rows = L.rows.back().get();
        p.lda = in;
        p.a_ones_row = in;
        p.b_mode = kBRow, p.b = dz, p.ldb = out;
        p.epilogue = kStore;
        p.ldc = out;
        p.c = L.add(ex, std::vector<float>(size_t(in + 1) * out, NAN));
        L.out_elems.push_back(size_t(in + 1) * out);
      }
      L.problems.push_back(p);
    }
  }
  return L;
}

// Outputs of every problem (c, then h when set), copied to the host.
std::vector<std::vector<float>> outputs(Executor& ex, const MixedLaunch& L) {
  std::vector<std::vector<float>> out;
  for (size_t q = 0; q < L.problems.size(); ++q) {
    std::vector<float> c(L.out_elems[q]);
    ex.copy_to_host(c.data(), L.problems[q].c, c.size() * sizeof(float));
    out.push_back(c);
    if (L.problems[q].h) {
      std::vector<float> h(L.out_elems[q]);
      ex.copy_to_host(h.data(), L.problems[q].h, h.size() * sizeof(float));
      out.push_back(h);
    }
  }
  return out;
}

void poison_outputs(Executor& ex, const MixedLaunch& L) {
  for (size_t q = 0; q < L.problems.size(); ++q) {
    std::vector<float> nan(L.out_elems[q], NAN);
    ex.copy_to_device(L.problems[q].c, nan.data(), nan.size() * sizeof(float));
    if (L.problems[q].h) ex.copy_to_device(L.problems[q].h, nan.data(), nan.size() * sizeof(float));
  }
}

void expect_identical(const std::vector<std::vector<float>>& a,
                      const std::vector<std::vector<float>>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(close(a[i], b[i], Tolerance{}, what + ", output " + std::to_string(i)));
}

TEST(GpuGemm, GroupedLaunchEqualsEachProblemAlone) {
  QRS_REQUIRE_GPU();
  for (GemmMath math : {GemmMath::kFp32, GemmMath::kTf32}) {
    auto ex = gpu(GemmEngine::kOwn, math);
    MixedLaunch L = make_mixed(*ex, true);
    run_gemm(*ex, L.problems);
    const auto grouped = outputs(*ex, L);
    poison_outputs(*ex, L);
    for (const GemmProblem& p : L.problems) run_gemm(*ex, {p});
    expect_identical(outputs(*ex, L), grouped, math == GemmMath::kTf32 ? "tf32" : "fp32");
    // Same input, same bits: a result that moves between runs is a race.
    poison_outputs(*ex, L);
    run_gemm(*ex, L.problems);
    expect_identical(outputs(*ex, L), grouped, "rerun");
  }
}

// The FP32 kernel is one fmaf chain per output in k order, like the host reference executor:
// with exact epilogues (relu, dropout, store) the two agree bit for bit on any input.
TEST(GpuGemm, Fp32KernelEqualsHostReferenceBitForBit) {
  QRS_REQUIRE_GPU();
  auto ex = gpu();
  MixedLaunch L = make_mixed(*ex, false);
  run_gemm(*ex, L.problems);
  const auto got = outputs(*ex, L);
  // Mirror every buffer on the host and run the same descriptors there.
  auto ref = make_reference_executor();
  std::vector<DeviceArray<float>> keep_f;
  std::vector<DeviceArray<uint8_t>> keep_b;
  std::vector<DeviceArray<uint32_t>> keep_r;
  auto mirror = [&](const float* d, size_t n) -> float* {
    std::vector<float> h(n);
    ex->copy_to_host(h.data(), d, n * sizeof(float));
    keep_f.push_back(to_device(*ref, h));
    return keep_f.back().get();
  };
  std::vector<GemmProblem> host_ps;
  for (size_t q = 0; q < L.problems.size(); ++q) {
    GemmProblem p = L.problems[q];
    const int a_rows = p.a_mode == kAColU8 ? p.k : p.m;
    if (p.a_mode == kARow) p.a = mirror(p.a, size_t(p.m) * p.lda);
    if (p.a_mode == kARowU8 || p.a_mode == kAColU8) {
      std::vector<uint32_t> rows(a_rows);
      ex->copy_to_host(rows.data(), p.a_rows, rows.size() * sizeof(uint32_t));
      const uint32_t data_rows = *std::max_element(rows.begin(), rows.end()) + 1;
      std::vector<uint8_t> bytes(size_t(data_rows) * p.lda);
      ex->copy_to_host(bytes.data(), p.a_u8, bytes.size());
      keep_b.push_back(to_device(*ref, bytes));
      keep_r.push_back(to_device(*ref, rows));
      p.a_u8 = keep_b.back().get();
      p.a_rows = keep_r.back().get();
    }
    p.b = mirror(p.b, p.b_mode == kBRow ? size_t(p.k) * p.ldb : size_t(p.n) * p.ldb);
    if (p.bias) p.bias = mirror(p.bias, p.n);
    if (p.y_prev) p.y_prev = mirror(p.y_prev, size_t(p.m) * p.ldc);
    p.c = mirror(p.c, L.out_elems[q]);
    if (p.h) p.h = mirror(p.h, L.out_elems[q]);
    host_ps.push_back(p);
  }
  run_gemm(*ref, host_ps);
  std::vector<std::vector<float>> want;
  for (size_t q = 0; q < host_ps.size(); ++q) {
    want.emplace_back(host_ps[q].c, host_ps[q].c + L.out_elems[q]);
    if (host_ps[q].h) want.emplace_back(host_ps[q].h, host_ps[q].h + L.out_elems[q]);
  }
  expect_identical(got, want, "gpu vs host reference");
}

// ---- Cross-entropy and RMSprop -----------------------------------------------------------

TEST(GpuXent, MatchesCpuTwin) {
  QRS_REQUIRE_GPU();
  auto ex = gpu();
  check_xent(*ex, 1, 10, 1);
  check_xent(*ex, 5, 10, 2);
  check_xent(*ex, 544, 10, 3);
  check_xent(*ex, 600, 10, 4);
  check_xent(*ex, 1024, 7, 5);
  check_xent(*ex, 1000, 1, 6);
}

TEST(GpuRmsprop, MatchesCpuTwin) {
  QRS_REQUIRE_GPU();
  auto ex = gpu();
  check_rmsprop(*ex, 1, 1);
  check_rmsprop(*ex, 1023, 2);
  check_rmsprop(*ex, 1025, 3);
  check_rmsprop(*ex, 7500 * 1501, 4);
}

}  // namespace
}  // namespace qrsweep::test
