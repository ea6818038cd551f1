// The per-element maths of training (docs/semantics.md#training), written once: activations and
// their derivatives, the dropout mask, the RMSprop-momentum step and the cross-entropy terms. Both
// the CPU reference backend and the CUDA kernels call these, so only tiling and indexing differ
// between the two (docs/style.md#one-copy-of-the-maths).
#pragma once
#include <cmath>
#include <cstdint>

#include "qrsweep/common.h"
#include "qrsweep/philox.h"

namespace qrsweep {

enum class Activation : int { kNone = 0, kRelu = 1, kTanh = 2, kSigmoid = 3 };

// Scalar maths in float or double (double: the gradient checks).
QRS_HD float qrs_exp(float x) { return expf(x); }
QRS_HD double qrs_exp(double x) { return exp(x); }
QRS_HD float qrs_tanh(float x) { return tanhf(x); }
QRS_HD double qrs_tanh(double x) { return tanh(x); }
QRS_HD float qrs_log(float x) { return logf(x); }
QRS_HD double qrs_log(double x) { return log(x); }

// A product rounded on its own. nvcc contracts `a * b + c` into one fused multiply-add (one
// rounding) unless told otherwise; the host does not, so every product that feeds an add or a
// subtraction in the maths both sides share goes through this, and GPU and CPU agree bit for
// bit (the emulator tests the kernels against the CPU on the host; docs/cuda.md).
QRS_HD float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
QRS_HD double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

template <typename T>
QRS_HD T activate(Activation a, T x) {
  switch (a) {
    case Activation::kRelu: return x > T(0) ? x : T(0);
    case Activation::kTanh: return qrs_tanh(x);
    case Activation::kSigmoid: return T(1) / (T(1) + qrs_exp(-x));
    default: return x;
  }
}

// Derivative expressed through the activation's OUTPUT y = act(x) (relu: y > 0 iff x > 0),
// so the backward pass needs only the stored activations.
template <typename T>
QRS_HD T activate_grad_from_output(Activation a, T y) {
  switch (a) {
    case Activation::kRelu: return y > T(0) ? T(1) : T(0);
    case Activation::kTanh: return T(1) - mul_rn(y, y);
    case Activation::kSigmoid: return y * (T(1) - y);
    default: return T(1);
  }
}

// Inverted dropout (tf.keras): keep where u >= rate, scale kept values by 1/(1-rate).
// u comes from the trial's dropout stream for (layer, global step, element), so the
// CPU and the GPU drop the same units.
QRS_HD float dropout_scale(float rate) { return 1.0f / (1.0f - rate); }

// The Philox block holding the uniforms of elements 4b..4b+3 of one layer's dropout
// mask at one optimizer step.
QRS_HD Philox4 dropout_block(uint64_t seed, uint32_t trial, uint32_t layer, uint32_t step,
                             uint64_t block) {
  PhiloxStream s{seed, trial, purpose_word(Purpose::kDropout, layer)};
  return s.block((static_cast<uint64_t>(step) << 32) | block);
}

QRS_HD float dropout_u(uint64_t seed, uint32_t trial, uint32_t layer, uint32_t step, uint64_t elem) {
  return uniform01(dropout_block(seed, trial, layer, step, elem >> 2).v[elem & 3]);
}

// Multiplier for one element: 0 when dropped, 1/(1-rate) when kept.
QRS_HD float dropout_factor(float rate, float u) { return u >= rate ? dropout_scale(rate) : 0.0f; }

// Softmax cross-entropy of one row of logits (docs/semantics.md#loss, logits path): loss =
// logsumexp(z) - z[label]; argmax (first max wins) gives the accuracy. `max` and
// `sum_exp` let the caller form softmax(z)_j = exp(z_j - max) / sum_exp.
template <typename T>
struct XentRow {
  T loss, max, sum_exp;
  int argmax;
};

template <typename T>
QRS_HD XentRow<T> xent_row(const T* z, int classes, int label) {
  XentRow<T> r;
  r.max = z[0];
  r.argmax = 0;
  for (int j = 1; j < classes; ++j)
    if (z[j] > r.max) r.max = z[j], r.argmax = j;
  r.sum_exp = T(0);
  for (int j = 0; j < classes; ++j) r.sum_exp += qrs_exp(z[j] - r.max);
  r.loss = r.max + qrs_log(r.sum_exp) - z[label];
  return r;
}

// d(mean batch loss)/dz_j for one row.
template <typename T>
QRS_HD T xent_grad(const XentRow<T>& r, T zj, bool is_label, T inv_batch) {
  return (qrs_exp(zj - r.max) / r.sum_exp - (is_label ? T(1) : T(0))) * inv_batch;
}

// tf.keras RMSprop (optimizer_v2), rho = 0.9, eps = 1e-7, one parameter, one step.
struct RmspropHyper {
  float lr;
  float momentum;
  float rho = 0.9f;
  float eps = 1e-7f;
};

QRS_HD void rmsprop_step(const RmspropHyper& h, float g, float* w, float* ms, float* mom) {
  float m = mul_rn(h.rho, *ms) + mul_rn(1.0f - h.rho, g * g);
  *ms = m;
  if (h.momentum > 0.0f) {
    float v = mul_rn(h.momentum, *mom) + h.lr * g / sqrtf(m + h.eps);
    *mom = v;
    *w -= v;
  } else {
    *w -= h.lr * g / (sqrtf(m) + h.eps);
  }
}

// Glorot-uniform limit for a Dense kernel of shape [in, out].
QRS_HD float glorot_limit(int in, int out) { return sqrtf(6.0f / static_cast<float>(in + out)); }

// Initial weight from one uniform word: U(-a, a).
QRS_HD float glorot_value(float a, uint32_t word) { return (2.0f * uniform01(word) - 1.0f) * a; }

}  // namespace qrsweep
