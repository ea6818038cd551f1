// The CPU reference ops: finite-difference gradient checks in double for every layer
// type and activation (with and without a dropout mask), the loss, and RMSprop steps
// against hand-computed values for both branches.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "cpu/ops.h"
#include "qrsweep/philox.h"

namespace qrsweep::cpu {
namespace {

std::vector<double> random_vec(size_t n, uint32_t tag, double scale) {
  PhiloxStream s{42, tag, 0};
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = (2.0 * uniform01(s.word(i)) - 1.0) * scale;
  return v;
}

// A dense layer (act, optional dropout) followed by a fixed linear read-out
// L = sum(h * r): dL/dh = r. Checks dW, db, dx against central differences.
void check_dense(Activation act, float rate) {
  const int batch = 3, in = 4, out = 5;
  auto x = random_vec(size_t(batch) * in, 1, 1.0);
  auto w = random_vec(size_t(in) * out, 2, 0.8);
  auto b = random_vec(out, 3, 0.3);
  auto r = random_vec(size_t(batch) * out, 4, 1.0);
  const size_t count = size_t(batch) * out;
  std::vector<double> factor(count), h(count), y(count);

  auto loss = [&](const std::vector<double>& xx, const std::vector<double>& ww,
                  const std::vector<double>& bb) {
    std::vector<double> yy(count), ff(count), hh(count);
    dense_forward(xx.data(), batch, in, ww.data(), bb.data(), out, act, yy.data());
    dropout_forward(yy.data(), count, rate, 9, 1, 0, 5, ff.data(), hh.data());
    double l = 0;
    for (size_t e = 0; e < count; ++e) l += hh[e] * r[e];
    return l;
  };

  dense_forward(x.data(), batch, in, w.data(), b.data(), out, act, y.data());
  dropout_forward(y.data(), count, rate, 9, 1, 0, 5, factor.data(), h.data());
  if (rate > 0) {
    int dropped = 0;
    for (double f : factor) dropped += f == 0.0;
    ASSERT_GT(dropped, 0) << "the mask should drop something at rate " << rate;
    ASSERT_LT(dropped, int(count));
  }
  std::vector<double> dz = r, dw(w.size()), db(out), dx(x.size());
  activation_backward(dz.data(), y.data(), factor.data(), count, act);
  dense_backward(x.data(), batch, in, w.data(), out, dz.data(), dw.data(), db.data(), dx.data());

  const double eps = 1e-6;
  auto numeric = [&](std::vector<double>& v, size_t i, std::function<double()> f) {
    double keep = v[i];
    v[i] = keep + eps;
    double lp = f();
    v[i] = keep - eps;
    double lm = f();
    v[i] = keep;
    return (lp - lm) / (2 * eps);
  };
  auto f = [&] { return loss(x, w, b); };
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_NEAR(dw[i], numeric(w, i, f), 1e-7 + 1e-6 * std::abs(dw[i])) << "dW " << i;
  for (size_t i = 0; i < b.size(); ++i)
    EXPECT_NEAR(db[i], numeric(b, i, f), 1e-7 + 1e-6 * std::abs(db[i])) << "db " << i;
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(dx[i], numeric(x, i, f), 1e-7 + 1e-6 * std::abs(dx[i])) << "dx " << i;
}

TEST(GradCheck, DenseRelu) { check_dense(Activation::kRelu, 0.0f); }
TEST(GradCheck, DenseTanh) { check_dense(Activation::kTanh, 0.0f); }
TEST(GradCheck, DenseSigmoid) { check_dense(Activation::kSigmoid, 0.0f); }
TEST(GradCheck, DenseLinear) { check_dense(Activation::kNone, 0.0f); }
TEST(GradCheck, DenseReluDropout) { check_dense(Activation::kRelu, 0.4f); }
TEST(GradCheck, DenseTanhDropout) { check_dense(Activation::kTanh, 0.3f); }
TEST(GradCheck, DenseSigmoidDropout) { check_dense(Activation::kSigmoid, 0.5f); }

TEST(GradCheck, SoftmaxCrossEntropy) {
  const int batch = 4, classes = 6;
  auto z = random_vec(size_t(batch) * classes, 5, 3.0);
  std::vector<uint8_t> labels{0, 5, 2, 2};
  std::vector<double> dz(z.size());
  double sum = 0;
  int64_t correct = 0;
  softmax_xent(z.data(), labels.data(), batch, classes, &sum, &correct, dz.data());
  auto mean_loss = [&] {
    double s = 0;
    int64_t c = 0;
    softmax_xent(z.data(), labels.data(), batch, classes, &s, &c, static_cast<double*>(nullptr));
    return s / batch;
  };
  const double eps = 1e-6;
  for (size_t i = 0; i < z.size(); ++i) {
    double keep = z[i];
    z[i] = keep + eps;
    double lp = mean_loss();
    z[i] = keep - eps;
    double lm = mean_loss();
    z[i] = keep;
    EXPECT_NEAR(dz[i], (lp - lm) / (2 * eps), 1e-8) << i;
  }
}

TEST(SoftmaxXent, MatchesClosedFormAndCountsArgmax) {
  // logits (1, 2, 3): loss for label 2 = log(e + e^2 + e^3) - 3.
  std::vector<double> z{1, 2, 3, 5, 5, 1};  // row 2 ties: first max (index 0) wins
  std::vector<uint8_t> labels{2, 1};
  double sum = 0;
  int64_t correct = 0;
  softmax_xent(z.data(), labels.data(), 2, 3, &sum, &correct, static_cast<double*>(nullptr));
  double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
  double l1 = std::log(2 * std::exp(5.0) + std::exp(1.0)) - 5.0;
  EXPECT_NEAR(sum, l0 + l1, 1e-12);
  EXPECT_EQ(correct, 1);  // row 0 right; row 1 predicts class 0 (first max), label 1
}

TEST(Dropout, KeepsUnitsAtTheConfiguredRateAndScales) {
  const size_t n = 100000;
  std::vector<float> y(n, 2.0f), f(n), h(n);
  dropout_forward(y.data(), n, 0.3f, 1, 2, 3, 4, f.data(), h.data());
  size_t kept = 0;
  for (size_t e = 0; e < n; ++e) {
    if (f[e] != 0.0f) {
      ++kept;
      ASSERT_FLOAT_EQ(h[e], 2.0f / 0.7f);
    } else {
      ASSERT_EQ(h[e], 0.0f);
    }
  }
  EXPECT_NEAR(double(kept) / n, 0.7, 0.01);
  // A different step draws a different mask.
  std::vector<float> f2(n), h2(n);
  dropout_forward(y.data(), n, 0.3f, 1, 2, 3, 5, f2.data(), h2.data());
  EXPECT_NE(f, f2);
}

TEST(Dropout, InvertedScalingKeepsTheExpectedActivation) {
  // Why the kept units are scaled: E[h] = (1 - rate) * y * scale must equal y, so the
  // scale is 1 / (1 - rate). Checked as that expectation over many units with varied
  // activations, and on every kept unit against 1 / (1 - rate) computed here in double.
  const size_t n = 200000;
  std::vector<double> y = random_vec(n, 11, 1.0);
  for (double& v : y) v = 0.5 + std::abs(v);  // positive, varied
  double sum_y = 0;
  for (double v : y) sum_y += v;
  for (const float rate : {0.1f, 0.5f, 0.65f}) {
    SCOPED_TRACE("rate " + std::to_string(rate));
    std::vector<double> f(n), h(n);
    dropout_forward(y.data(), n, rate, 3, 7, 1, 11, f.data(), h.data());
    const double scale = 1.0 / (1.0 - static_cast<double>(rate));
    double sum_h = 0;
    for (size_t e = 0; e < n; ++e) {
      sum_h += h[e];
      if (h[e] != 0.0) {
        ASSERT_NEAR(h[e] / y[e], scale, 1e-6 * scale) << "unit " << e;
      }
    }
    // sum(h) / sum(y) has mean 1 and a standard error of sqrt(rate / (1 - rate) / n)
    // times sqrt(E[y^2]) / E[y] (1.04 for y uniform in [0.5, 1.5]): five of those.
    EXPECT_NEAR(sum_h / sum_y, 1.0, 5 * 1.05 * std::sqrt(rate / (1 - rate) / n));
  }
  EXPECT_EQ(dropout_factor(0.5f, 0.75f), 2.0f);
  EXPECT_EQ(dropout_factor(0.5f, 0.25f), 0.0f);
  EXPECT_EQ(dropout_factor(0.0f, 0.0f), 1.0f);
}

TEST(Dropout, BlockwiseMaskEqualsThePerElementDefinition) {
  // The CPU draws one Philox block per four elements; the kernels may draw per element:
  // both must give dropout_u's mask, also for counts that are not a multiple of four.
  const size_t n = 103;
  std::vector<float> y(n, 1.0f), f(n), h(n);
  dropout_forward(y.data(), n, 0.45f, 77, 5, 2, 9, f.data(), h.data());
  for (size_t e = 0; e < n; ++e)
    ASSERT_EQ(f[e], dropout_factor(0.45f, dropout_u(77, 5, 2, 9, e))) << "element " << e;
}

TEST(Rmsprop, MomentumBranchMatchesHandComputation) {
  RmspropHyper h{0.01f, 0.5f};
  float w = 1.0f, ms = 0.0f, mom = 0.0f;
  rmsprop_step(h, 2.0f, &w, &ms, &mom);
  // ms = 0.1 * 4 = 0.4; mom = 0.01 * 2 / sqrt(0.4 + 1e-7); w = 1 - mom
  double ms1 = 0.4, mom1 = 0.01 * 2 / std::sqrt(0.4 + 1e-7);
  EXPECT_NEAR(ms, ms1, 1e-7);
  EXPECT_NEAR(mom, mom1, 1e-7);
  EXPECT_NEAR(w, 1.0 - mom1, 1e-7);
  rmsprop_step(h, -1.0f, &w, &ms, &mom);
  double ms2 = 0.9 * ms1 + 0.1 * 1.0;
  double mom2 = 0.5 * mom1 + 0.01 * -1.0 / std::sqrt(ms2 + 1e-7);
  EXPECT_NEAR(ms, ms2, 1e-7);
  EXPECT_NEAR(mom, mom2, 1e-7);
  EXPECT_NEAR(w, 1.0 - mom1 - mom2, 1e-6);
}

TEST(Rmsprop, PlainBranchPutsEpsilonOutsideTheRoot) {
  RmspropHyper h{0.001f, 0.0f};
  float w = 0.5f, ms = 0.0f, mom = 123.0f;
  rmsprop_step(h, 0.5f, &w, &ms, &mom);
  double ms1 = 0.1 * 0.25;
  EXPECT_NEAR(ms, ms1, 1e-8);
  EXPECT_NEAR(w, 0.5 - 0.001 * 0.5 / (std::sqrt(ms1) + 1e-7), 1e-7);
  EXPECT_EQ(mom, 123.0f);  // the plain branch keeps no momentum
  // A tiny gradient shows where eps sits: g / (sqrt(ms) + eps) with ms ~ g^2 / 10.
  float w2 = 0.0f, ms2 = 0.0f, mom2 = 0.0f;
  rmsprop_step(h, 1e-7f, &w2, &ms2, &mom2);
  double want = -0.001 * 1e-7 / (std::sqrt(0.1 * 1e-14) + 1e-7);
  EXPECT_NEAR(w2, want, 1e-9);
}

TEST(GatherInput, ScalesBytesThroughThePermutation) {
  std::vector<uint8_t> x{0, 255, 51, 102, 10, 20};
  std::vector<uint32_t> idx{2, 0};
  std::vector<float> out(4);
  gather_input(x.data(), 2, idx.data(), 2, out.data());
  EXPECT_FLOAT_EQ(out[0], 10.0f / 255);
  EXPECT_FLOAT_EQ(out[1], 20.0f / 255);
  EXPECT_FLOAT_EQ(out[2], 0.0f);
  EXPECT_FLOAT_EQ(out[3], 1.0f);
}

// The products are cut into kGemmRowBlock-row blocks whatever the thread count, so a
// product is bit for bit the same on 1, 2 or 5 threads, for each transpose, in both types.
template <typename T>
void check_gemm_threads(bool ta, bool tb) {
  const int m = 2 * kGemmRowBlock + 37, n = 150, k = 97;
  auto a = random_vec(size_t(m) * k, 11, 1.0), b = random_vec(size_t(k) * n, 12, 1.0);
  auto c0 = random_vec(size_t(m) * n, 13, 1.0);
  std::vector<T> at(a.begin(), a.end()), bt(b.begin(), b.end());
  auto run = [&](int threads) {
    std::vector<T> c(c0.begin(), c0.end());
    gemm<T>(ta, tb, m, n, k, T(0.75), at.data(), ta ? m : k, bt.data(), tb ? k : n, T(0.5),
            c.data(), n, threads);
    return c;
  };
  const std::vector<T> one = run(1);
  for (int threads : {2, 5}) EXPECT_EQ(run(threads), one) << threads << " threads";
  // And it is a product: one entry against a plain sum.
  double want = 0.5 * c0[size_t(7) * n + 3];
  for (int q = 0; q < k; ++q)
    want += 0.75 * at[ta ? size_t(q) * m + 7 : size_t(7) * k + q] *
            bt[tb ? size_t(3) * k + q : size_t(q) * n + 3];
  EXPECT_NEAR(one[size_t(7) * n + 3], want, 1e-3);
}

TEST(Gemm, SameResultOnAnyThreadCount) {
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      check_gemm_threads<float>(ta, tb);
      check_gemm_threads<double>(ta, tb);
    }
}

}  // namespace
}  // namespace qrsweep::cpu
