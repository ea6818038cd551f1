// Op-level checks shared by the GPU tests: each builds inputs, runs one grouped op on an
// Executor (the GPU, or the host reference), and compares with the op's CPU twin in
// host/cpu/ops.h. The same cases run on either executor, with the tolerance of each path.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cpu/ops.h"
#include "gpu_support.h"

namespace qrsweep::test {

struct DenseCase {
  int batch = 1, in = 1, out = 1;
  Activation act = Activation::kNone;
  float drop_rate = 0.0f;   // > 0: dropout on this layer's output
  bool gather = false;      // layer 0: the input comes from uint8 bytes through row indices
  bool small_ints = false;  // integer inputs: fp32 products are exact
  uint32_t seed = 1;
};

inline std::string describe(const DenseCase& c) {
  std::ostringstream s;
  s << "batch " << c.batch << ", in " << c.in << ", out " << c.out << ", act "
    << static_cast<int>(c.act) << ", drop " << c.drop_rate << (c.gather ? ", gather" : "")
    << (c.small_ints ? ", small ints" : "");
  return s.str();
}

// Dropout stream coordinates used by every case.
constexpr uint64_t kCaseSeed = 0xC0FFEEull;
constexpr uint32_t kCaseTrial = 3, kCaseLayer = 1, kCaseStep = 12345;

struct DenseInputs {
  std::vector<uint8_t> bytes;  // gather: [data_rows, in]
  std::vector<uint32_t> rows;  // gather: [batch]
  std::vector<float> x;        // [batch, in] the layer input (gathered when gather)
  std::vector<float> w;        // [in, out]
  std::vector<float> b;        // [out]
};

inline DenseInputs make_dense_inputs(const DenseCase& c) {
  DenseInputs d;
  const size_t nx = static_cast<size_t>(c.batch) * c.in, nw = static_cast<size_t>(c.in) * c.out;
  if (c.gather) {
    const int data_rows = c.batch + 3;
    d.bytes = random_bytes(static_cast<size_t>(data_rows) * c.in, c.seed);
    d.rows = random_rows(c.batch, data_rows, c.seed);
    d.x.resize(nx);
    cpu::gather_input(d.bytes.data(), c.in, d.rows.data(), c.batch, d.x.data());
  } else {
    d.x = c.small_ints ? random_small_ints(nx, 3, c.seed) : random_floats(nx, -1, 1, c.seed);
  }
  const float a = glorot_limit(c.in, c.out);
  d.w = c.small_ints ? random_small_ints(nw, 3, c.seed + 1) : random_floats(nw, -a, a, c.seed + 1);
  d.b = c.small_ints ? random_small_ints(c.out, 2, c.seed + 2)
                     : random_floats(c.out, -0.5f, 0.5f, c.seed + 2);
  return d;
}

// Forward: y = act(x W + b) and h = y * factor, against cpu::gather_input + dense_forward +
// dropout_forward.
inline void check_forward(Executor& ex, const DenseCase& c, const Tolerance& tol) {
  SCOPED_TRACE(describe(c));
  const DenseInputs in = make_dense_inputs(c);
  const size_t ny = static_cast<size_t>(c.batch) * c.out;
  std::vector<float> y_ref(ny), h_ref(ny), factor(ny);
  cpu::dense_forward(in.x.data(), c.batch, c.in, in.w.data(), in.b.data(), c.out, c.act,
                     y_ref.data());
  if (c.drop_rate > 0)
    cpu::dropout_forward(y_ref.data(), ny, c.drop_rate, kCaseSeed, kCaseTrial, kCaseLayer,
                         kCaseStep, factor.data(), h_ref.data());

  DeviceArray<uint8_t> d_bytes = to_device(ex, in.bytes);
  DeviceArray<uint32_t> d_rows = to_device(ex, in.rows);
  DeviceArray<float> d_x = to_device(ex, in.x), d_w = to_device(ex, in.w),
                     d_b = to_device(ex, in.b);
  DeviceArray<float> d_y = poisoned(ex, ny), d_h = poisoned(ex, ny);
  GemmProblem p{};
  p.m = c.batch;
  p.n = c.out;
  p.k = c.in;
  p.a_ones_row = -1;
  if (c.gather) {
    p.a_mode = kARowU8;
    p.a_u8 = d_bytes.get();
    p.a_rows = d_rows.get();
  } else {
    p.a_mode = kARow;
    p.a = d_x.get();
  }
  p.lda = c.in;
  p.b_mode = kBRow;
  p.b = d_w.get();
  p.ldb = c.out;
  p.c = d_y.get();
  p.ldc = c.out;
  p.epilogue = kForward;
  p.bias = d_b.get();
  p.act = static_cast<int>(c.act);
  if (c.drop_rate > 0) {
    p.h = d_h.get();
    p.drop_rate = c.drop_rate;
    p.seed = kCaseSeed;
    p.trial = kCaseTrial;
    p.layer = kCaseLayer;
    p.step = kCaseStep;
  }
  run_gemm(ex, {p});
  EXPECT_TRUE(close(to_host(ex, d_y), y_ref, tol, "forward y"));
  if (c.drop_rate > 0) {
    EXPECT_TRUE(close(to_host(ex, d_h), h_ref, tol, "forward h"));
  }
}

// A stored activation output for act' (values in the activation's range).
inline std::vector<float> activation_outputs(Activation act, size_t n, bool small_ints,
                                             uint32_t seed) {
  std::vector<float> v = small_ints ? random_small_ints(n, 3, seed) : random_floats(n, -2, 2, seed);
  for (float& x : v) x = activate(act, x);
  return v;
}

// Backward, as the CUDA backend launches it: one launch of dW|db = [X | 1]^T dZ and (unless
// gather: layer 0 has no dX) dX = (dZ W^T) * factor * act'(y_prev), against
// cpu::dense_backward + activation_backward. `db_exact`: db must match bit for bit (the FP32
// kernel sums the ones row in row order, as the CPU does).
inline void check_backward(Executor& ex, const DenseCase& c, const Tolerance& tol, bool db_exact) {
  SCOPED_TRACE(describe(c));
  const DenseInputs in = make_dense_inputs(c);
  const size_t nz = static_cast<size_t>(c.batch) * c.out, nx = static_cast<size_t>(c.batch) * c.in;
  const std::vector<float> dz = c.small_ints ? random_small_ints(nz, 3, c.seed + 3)
                                             : random_floats(nz, -0.1f, 0.1f, c.seed + 3);
  const std::vector<float> y_prev = activation_outputs(c.act, nx, c.small_ints, c.seed + 4);
  std::vector<float> factor(nx, 1.0f), scratch(nx);
  if (c.drop_rate > 0)
    cpu::dropout_forward(y_prev.data(), nx, c.drop_rate, kCaseSeed, kCaseTrial, kCaseLayer,
                         kCaseStep, factor.data(), scratch.data());
  std::vector<float> dw_ref(static_cast<size_t>(c.in) * c.out), db_ref(c.out), dx_ref(nx);
  cpu::dense_backward(in.x.data(), c.batch, c.in, in.w.data(), c.out, dz.data(), dw_ref.data(),
                      db_ref.data(), dx_ref.data());
  cpu::activation_backward(dx_ref.data(), y_prev.data(), c.drop_rate > 0 ? factor.data() : nullptr,
                           nx, c.act);

  DeviceArray<uint8_t> d_bytes = to_device(ex, in.bytes);
  DeviceArray<uint32_t> d_rows = to_device(ex, in.rows);
  DeviceArray<float> d_x = to_device(ex, in.x), d_w = to_device(ex, in.w), d_dz = to_device(ex, dz),
                     d_y = to_device(ex, y_prev);
  DeviceArray<float> d_grad = poisoned(ex, static_cast<size_t>(c.in + 1) * c.out);
  DeviceArray<float> d_dx = poisoned(ex, nx);

  GemmProblem w{};
  w.m = c.in + 1;
  w.n = c.out;
  w.k = c.batch;
  w.a_ones_row = c.in;
  if (c.gather) {
    w.a_mode = kAColU8;
    w.a_u8 = d_bytes.get();
    w.a_rows = d_rows.get();
  } else {
    w.a_mode = kACol;
    w.a = d_x.get();
  }
  w.lda = c.in;
  w.b_mode = kBRow;
  w.b = d_dz.get();
  w.ldb = c.out;
  w.c = d_grad.get();
  w.ldc = c.out;
  w.epilogue = kStore;
  std::vector<GemmProblem> problems{w};
  if (!c.gather) {
    GemmProblem x{};
    x.m = c.batch;
    x.n = c.in;
    x.k = c.out;
    x.a_ones_row = -1;
    x.a_mode = kARow;
    x.a = d_dz.get();
    x.lda = c.out;
    x.b_mode = kBCol;
    x.b = d_w.get();
    x.ldb = c.out;
    x.c = d_dx.get();
    x.ldc = c.in;
    x.epilogue = kBackward;
    x.y_prev = d_y.get();
    x.act = static_cast<int>(c.act);
    if (c.drop_rate > 0) {
      x.drop_rate = c.drop_rate;
      x.seed = kCaseSeed;
      x.trial = kCaseTrial;
      x.layer = kCaseLayer;
      x.step = kCaseStep;
    }
    problems.push_back(x);
  }
  run_gemm(ex, problems);
  const std::vector<float> grad = to_host(ex, d_grad);
  const std::vector<float> dw(grad.begin(), grad.begin() + dw_ref.size());
  const std::vector<float> db(grad.begin() + dw_ref.size(), grad.end());
  EXPECT_TRUE(close(dw, dw_ref, tol, "dW"));
  EXPECT_TRUE(close(db, db_ref, db_exact ? Tolerance{} : tol, "db"));
  if (!c.gather) {
    EXPECT_TRUE(close(to_host(ex, d_dx), dx_ref, tol, "dX"));
  }
}

// Softmax cross-entropy of two problems in one launch (training with dz through row indices,
// and evaluation without), against cpu::softmax_xent.
inline void check_xent(Executor& ex, int rows, int classes, uint32_t seed) {
  SCOPED_TRACE("xent rows " + std::to_string(rows) + ", classes " + std::to_string(classes));
  const size_t nz = static_cast<size_t>(rows) * classes;
  const std::vector<float> z = random_floats(nz, -6, 6, seed);
  const int data_rows = rows + 5;
  std::vector<uint8_t> labels = random_bytes(data_rows, seed + 1);
  for (auto& l : labels) l = static_cast<uint8_t>(l % classes);
  const std::vector<uint32_t> idx = random_rows(rows, data_rows, seed + 2);
  std::vector<uint8_t> gathered(rows);
  for (int r = 0; r < rows; ++r) gathered[r] = labels[idx[r]];

  double loss_ref[2] = {0, 0};
  int64_t correct_ref[2] = {0, 0};
  std::vector<float> dz_ref(nz);
  cpu::softmax_xent(z.data(), gathered.data(), rows, classes, &loss_ref[0], &correct_ref[0],
                    dz_ref.data());
  cpu::softmax_xent(z.data(), labels.data(), rows, classes, &loss_ref[1], &correct_ref[1],
                    static_cast<float*>(nullptr));

  DeviceArray<float> d_z = to_device(ex, z), d_dz = poisoned(ex, nz);
  DeviceArray<uint8_t> d_labels = to_device(ex, labels);
  DeviceArray<uint32_t> d_idx = to_device(ex, idx);
  DeviceArray<double> d_loss = to_device(ex, std::vector<double>(2, std::nan("")));
  DeviceArray<int64_t> d_correct = to_device(ex, std::vector<int64_t>(2, -1));
  XentProblem a{d_z.get(),    d_labels.get(),  d_idx.get(), d_dz.get(),
                d_loss.get(), d_correct.get(), rows,        classes};
  XentProblem b{d_z.get(),        d_labels.get(),      nullptr, nullptr,
                d_loss.get() + 1, d_correct.get() + 1, rows,    classes};
  run_xent(ex, {a, b});
  const std::vector<double> loss = to_host(ex, d_loss);
  const std::vector<int64_t> correct = to_host(ex, d_correct);
  for (int q = 0; q < 2; ++q) {
    EXPECT_NEAR(loss[q], loss_ref[q], 1e-5 * std::fabs(loss_ref[q]) + 1e-9) << "problem " << q;
    EXPECT_EQ(correct[q], correct_ref[q]) << "problem " << q;
  }
  // dz = (p - y) / rows: at the label p - 1 cancels, so a few ulp of p (CUDA's expf) show as
  // an absolute error of ~1e-7 / rows.
  EXPECT_TRUE(close(to_host(ex, d_dz), dz_ref, Tolerance{2e-6 / rows, 1e-5, 1e-10}, "dz"));
}

// RMSprop over two problems in one launch, momentum > 0 and momentum == 0
// (docs/semantics.md#rmsprop's two branches), from non-zero optimizer state, against
// cpu::rmsprop_update.
inline void check_rmsprop(Executor& ex, int64_t n, uint32_t seed) {
  SCOPED_TRACE("rmsprop n " + std::to_string(n));
  struct Host {
    std::vector<float> w, g, ms, mom;
  } h[2];
  RmspropHyper hyper[2];
  hyper[0].lr = 0.0031f;
  hyper[0].momentum = 0.198f;
  hyper[1].lr = 0.0007f;
  hyper[1].momentum = 0.0f;
  for (int q = 0; q < 2; ++q) {
    h[q].w = random_floats(n, -1, 1, seed + 10 * q);
    h[q].g = random_floats(n, -0.2f, 0.2f, seed + 10 * q + 1);
    h[q].ms = random_floats(n, 0.0f, 0.01f, seed + 10 * q + 2);
    h[q].mom = random_floats(n, -0.001f, 0.001f, seed + 10 * q + 3);
  }
  std::vector<DeviceArray<float>> dev;
  std::vector<RmspropProblem> problems;
  for (int q = 0; q < 2; ++q) {
    dev.push_back(to_device(ex, h[q].w));
    dev.push_back(to_device(ex, h[q].g));
    dev.push_back(to_device(ex, h[q].ms));
    dev.push_back(to_device(ex, h[q].mom));
  }
  for (int q = 0; q < 2; ++q) {
    problems.push_back(RmspropProblem{dev[4 * q].get(), dev[4 * q + 1].get(), dev[4 * q + 2].get(),
                                      dev[4 * q + 3].get(), n, hyper[q].lr, hyper[q].momentum});
  }
  run_rmsprop(ex, problems);
  for (int q = 0; q < 2; ++q) {
    cpu::rmsprop_update(h[q].w.data(), h[q].g.data(), h[q].ms.data(), h[q].mom.data(), n, hyper[q]);
    const std::string tag = q == 0 ? " (momentum)" : " (no momentum)";
    EXPECT_TRUE(close(to_host(ex, dev[4 * q]), h[q].w, Tolerance{1e-6, 1e-5, 1e-10}, "w" + tag));
    EXPECT_TRUE(
        close(to_host(ex, dev[4 * q + 2]), h[q].ms, Tolerance{1e-9, 1e-5, 1e-10}, "ms" + tag));
    EXPECT_TRUE(
        close(to_host(ex, dev[4 * q + 3]), h[q].mom, Tolerance{1e-8, 1e-5, 1e-10}, "mom" + tag));
  }
}

}  // namespace qrsweep::test
