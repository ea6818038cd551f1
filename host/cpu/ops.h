// The CPU reference ops: one function per training op, plain loops (BLAS for the
// matrix products), in float for training and double for the gradient checks. Each
// CUDA kernel in kernels/ has its twin here and is tested against it.
#pragma once
#include <cstddef>
#include <cstdint>

#include "qrsweep/math.h"

namespace qrsweep::cpu {

// Rows of C per BLAS call. Every product is cut into blocks of this many rows of C
// whatever the thread count, and each block is one single-threaded BLAS call, so a
// product's result depends on its shape alone: training gives the same numbers on one
// thread or sixteen (docs/train.md, "Threads"). bench/cpu_vs_torch.py measures the cost.
constexpr int kGemmRowBlock = 128;

// C[m,n] = alpha * op(A) op(B) + beta * C, row-major (cblas for float and double), in
// kGemmRowBlock-row blocks spread over up to `threads` threads.
template <typename T>
void gemm(bool trans_a, bool trans_b, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
          int ldb, T beta, T* c, int ldc, int threads = 1);

// out[r, :] = x[idx[r], :] / 255 — the first layer's input, gathered through the
// epoch's permutation straight from the uint8 dataset.
template <typename T>
void gather_input(const uint8_t* x, int dim, const uint32_t* idx, int rows, T* out);
// out[r, :] = x[idx[r], :] — the same gather from float features (held scaled already).
template <typename T>
void gather_input(const float* x, int dim, const uint32_t* idx, int rows, T* out);

// y[B,out] = act(x[B,in] w[in,out] + b). `y` holds the activations (before dropout).
template <typename T>
void dense_forward(const T* x, int batch, int in, const T* w, const T* b, int out, Activation act,
                   T* y, int threads = 1);

// Per-element dropout multipliers for one hidden layer at one optimizer step:
// factor[e] = dropout_factor(rate, dropout_u(seed, trial, layer, step, e)), and
// h = y * factor. rate == 0 fills factor with 1.
template <typename T>
void dropout_forward(const T* y, size_t count, float rate, uint64_t seed, uint32_t trial,
                     uint32_t layer, uint32_t step, T* factor, T* h);

// Softmax cross-entropy on logits z[B,C]: adds per-sample losses to *loss_sum and
// argmax hits to *correct; when dz is non-null writes d(mean loss)/dz.
template <typename T>
void softmax_xent(const T* z, const uint8_t* labels, int batch, int classes, double* loss_sum,
                  int64_t* correct, T* dz);

// Backward through a dense layer whose output gradient dz[B,out] is already taken
// through its activation: dw = x^T dz, db = colsum(dz), and (when dx is non-null)
// dx = dz w^T.
template <typename T>
void dense_backward(const T* x, int batch, int in, const T* w, int out, const T* dz, T* dw, T* db,
                    T* dx, int threads = 1);

// dz = dh * factor * act'(y) in place on dh (factor null: no dropout), turning the
// gradient w.r.t. a hidden layer's output into the gradient w.r.t. its pre-activation.
template <typename T>
void activation_backward(T* dh, const T* y, const T* factor, size_t count, Activation act);

// RMSprop-momentum (docs/semantics.md#rmsprop) over n parameters.
void rmsprop_update(float* w, const float* g, float* ms, float* mom, size_t n,
                    const RmspropHyper& h);

}  // namespace qrsweep::cpu
