// CPU reference ops (see ops.h): the definitions, instantiated for float and double.
#include "cpu/ops.h"

#include <cblas.h>

#include <algorithm>

#include "core/host_parallel.h"

namespace qrsweep::cpu {

namespace {
CBLAS_TRANSPOSE tr(bool t) { return t ? CblasTrans : CblasNoTrans; }

void blas_gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda,
               const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemm(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda,
               const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Below this many multiply-adds a product stays on the calling thread: starting threads
// would cost more than it saves. Which thread runs a block never changes its result.
constexpr double kParallelWork = 1 << 20;
}  // namespace

template <typename T>
void gemm(bool ta, bool tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb,
          T beta, T* c, int ldc, int threads) {
  const int blocks = (m + kGemmRowBlock - 1) / kGemmRowBlock;
  auto block = [&](size_t i) {
    const int r0 = static_cast<int>(i) * kGemmRowBlock;
    const int rows = std::min(kGemmRowBlock, m - r0);
    // Row r0 of op(A): A's row r0, or A's column r0 when A is transposed.
    const T* ab = ta ? a + r0 : a + static_cast<size_t>(r0) * lda;
    blas_gemm(ta, tb, rows, n, k, alpha, ab, lda, b, ldb, beta, c + static_cast<size_t>(r0) * ldc,
              ldc);
  };
  const double work = double(m) * n * k;
  packed::parallel_for(static_cast<size_t>(blocks), work < kParallelWork ? 1 : threads, block);
}

template <typename T>
void gather_input(const uint8_t* x, int dim, const uint32_t* idx, int rows, T* out) {
  for (int r = 0; r < rows; ++r) {
    const uint8_t* src = x + static_cast<size_t>(idx[r]) * dim;
    T* dst = out + static_cast<size_t>(r) * dim;
    for (int k = 0; k < dim; ++k) dst[k] = static_cast<T>(src[k]) / T(255);
  }
}

template <typename T>
void gather_input(const float* x, int dim, const uint32_t* idx, int rows, T* out) {
  for (int r = 0; r < rows; ++r) {
    const float* src = x + static_cast<size_t>(idx[r]) * dim;
    T* dst = out + static_cast<size_t>(r) * dim;
    for (int k = 0; k < dim; ++k) dst[k] = static_cast<T>(src[k]);
  }
}

template <typename T>
void dense_forward(const T* x, int batch, int in, const T* w, const T* b, int out, Activation act,
                   T* y, int threads) {
  for (int r = 0; r < batch; ++r) std::copy(b, b + out, y + static_cast<size_t>(r) * out);
  gemm<T>(false, false, batch, out, in, T(1), x, in, w, out, T(1), y, out, threads);
  if (act == Activation::kNone) return;
  size_t count = static_cast<size_t>(batch) * out;
  for (size_t e = 0; e < count; ++e) y[e] = activate(act, y[e]);
}

template <typename T>
void dropout_forward(const T* y, size_t count, float rate, uint64_t seed, uint32_t trial,
                     uint32_t layer, uint32_t step, T* factor, T* h) {
  if (rate <= 0.0f) {
    for (size_t e = 0; e < count; ++e) factor[e] = T(1), h[e] = y[e];
    return;
  }
  // One Philox block serves four consecutive elements (dropout_u's indexing).
  for (size_t e0 = 0; e0 < count; e0 += 4) {
    const Philox4 blk = dropout_block(seed, trial, layer, step, e0 >> 2);
    for (size_t q = 0; q < 4 && e0 + q < count; ++q) {
      const T f = T(dropout_factor(rate, uniform01(blk.v[q])));
      factor[e0 + q] = f;
      h[e0 + q] = y[e0 + q] * f;
    }
  }
}

template <typename T>
void softmax_xent(const T* z, const uint8_t* labels, int batch, int classes, double* loss_sum,
                  int64_t* correct, T* dz) {
  const T inv_batch = T(1) / static_cast<T>(batch);
  for (int r = 0; r < batch; ++r) {
    const T* row = z + static_cast<size_t>(r) * classes;
    XentRow<T> x = xent_row(row, classes, labels[r]);
    *loss_sum += static_cast<double>(x.loss);
    if (x.argmax == labels[r]) ++*correct;
    if (dz) {
      T* drow = dz + static_cast<size_t>(r) * classes;
      for (int j = 0; j < classes; ++j) drow[j] = xent_grad(x, row[j], j == labels[r], inv_batch);
    }
  }
}

template <typename T>
void dense_backward(const T* x, int batch, int in, const T* w, int out, const T* dz, T* dw, T* db,
                    T* dx, int threads) {
  gemm<T>(true, false, in, out, batch, T(1), x, in, dz, out, T(0), dw, out, threads);
  std::fill(db, db + out, T(0));
  for (int r = 0; r < batch; ++r) {
    const T* row = dz + static_cast<size_t>(r) * out;
    for (int j = 0; j < out; ++j) db[j] += row[j];
  }
  if (dx) gemm<T>(false, true, batch, in, out, T(1), dz, out, w, out, T(0), dx, in, threads);
}

template <typename T>
void activation_backward(T* dh, const T* y, const T* factor, size_t count, Activation act) {
  for (size_t e = 0; e < count; ++e) {
    T g = factor ? dh[e] * factor[e] : dh[e];
    dh[e] = g * activate_grad_from_output(act, y[e]);
  }
}

void rmsprop_update(float* w, const float* g, float* ms, float* mom, size_t n,
                    const RmspropHyper& h) {
  for (size_t i = 0; i < n; ++i) rmsprop_step(h, g[i], &w[i], &ms[i], &mom[i]);
}

#define QRS_INSTANTIATE(T)                                                                       \
  template void gemm<T>(bool, bool, int, int, int, T, const T*, int, const T*, int, T, T*, int,  \
                        int);                                                                    \
  template void gather_input<T>(const uint8_t*, int, const uint32_t*, int, T*);                  \
  template void gather_input<T>(const float*, int, const uint32_t*, int, T*);                    \
  template void dense_forward<T>(const T*, int, int, const T*, const T*, int, Activation, T*,    \
                                 int);                                                           \
  template void dropout_forward<T>(const T*, size_t, float, uint64_t, uint32_t, uint32_t,        \
                                   uint32_t, T*, T*);                                            \
  template void softmax_xent<T>(const T*, const uint8_t*, int, int, double*, int64_t*, T*);      \
  template void dense_backward<T>(const T*, int, int, const T*, int, const T*, T*, T*, T*, int); \
  template void activation_backward<T>(T*, const T*, const T*, size_t, Activation);
QRS_INSTANTIATE(float)
QRS_INSTANTIATE(double)
#undef QRS_INSTANTIATE

}  // namespace qrsweep::cpu
