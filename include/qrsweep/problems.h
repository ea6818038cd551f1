// Per-problem descriptors of the grouped kernels and the element-level maths they share
// with the host reference executor: one launch reads an array of these from device memory,
// one entry per (trial, layer) problem, so one launch serves many trials of any shapes.
// Plain structs plus QRS_HD functions: the kernels and the host (the executors, the tests)
// include it as "qrsweep/problems.h".
#pragma once
#include <cstddef>
#include <cstdint>

#include "qrsweep/math.h"

namespace qrsweep {

// ---- Grouped GEMM: C[m, n] = A[m, k] . B[k, n], then an epilogue -------------------------
// How A is read. Row modes are contiguous along k, column modes along m.
enum GemmAMode : int {
  kARow = 0,     // A(i, kk) = a[i * lda + kk]
  kACol = 1,     // A(i, kk) = a[kk * lda + i]                     (A is X^T: the dW product)
  kARowU8 = 2,   // A(i, kk) = a_u8[row(i) * lda + kk] / 255       (first layer, forward)
  kAColU8 = 3,   // A(i, kk) = a_u8[row(kk) * lda + i] / 255       (first layer, dW)
  kARowF32 = 4,  // A(i, kk) = a[row(i) * lda + kk]    (first layer of float features, forward)
  kAColF32 = 5,  // A(i, kk) = a[row(kk) * lda + i]    (first layer of float features, dW)
};
// How B is read.
enum GemmBMode : int {
  kBRow = 0,  // B(kk, j) = b[kk * ldb + j]  (W in the forward pass, dZ in dW)
  kBCol = 1,  // B(kk, j) = b[j * ldb + kk]  (W^T in dX)
};
enum GemmEpilogue : int {
  kStore = 0,     // c = acc
  kForward = 1,   // y = act(acc + bias[j]); c = y; h = y * dropout factor when h is set
  kBackward = 2,  // c = acc * dropout factor (when drop_rate > 0) * act'(y_prev)
};

// No default member initialisers: the kernels keep a copy in __shared__ memory, which
// allows only trivially constructible types. Value-initialise (`GemmProblem p{}`) on the host.
struct GemmProblem {
  const float* a;          // kARow, kACol; kARowF32, kAColF32: the dataset's float features
  const uint8_t* a_u8;     // kARowU8, kAColU8: the dataset's bytes
  const uint32_t* a_rows;  // U8 and F32 modes: dataset row of A row i (kARowU8, kARowF32) or
                           // A column kk (kAColU8, kAColF32); null: row = index
  const float* b;
  float* c;             // [m, ldc]
  const float* bias;    // kForward: [n]
  float* h;             // kForward: the dropout output [m, ldc] (null: none)
  const float* y_prev;  // kBackward: the stored activation [m, ldc]
  uint64_t seed;        // dropout stream key (sweep seed)
  int m, n, k;
  int lda, ldb, ldc;
  int a_mode, b_mode, epilogue, act;
  int a_ones_row;   // column modes: this row of A reads as ones (-1: none); puts
                    // colsum(B) = db in row a_ones_row of C
  float drop_rate;  // > 0: dropout applies (stream layer `layer`, step `step`)
  uint32_t trial, layer, step;
  uint32_t reserved;
};

constexpr int kGemmTileM = 64;
constexpr int kGemmTileN = 64;

QRS_HD int gemm_tiles(const GemmProblem& p) {
  return ((p.m + kGemmTileM - 1) / kGemmTileM) * ((p.n + kGemmTileN - 1) / kGemmTileN);
}

// A(i, kk) for 0 <= i < m, 0 <= kk < k.
QRS_HD float gemm_a(const GemmProblem& p, int i, int kk) {
  switch (p.a_mode) {
    case kARow:
      return p.a[static_cast<size_t>(i) * p.lda + kk];
    case kACol:
      return i == p.a_ones_row ? 1.0f : p.a[static_cast<size_t>(kk) * p.lda + i];
    case kARowU8: {
      size_t r = p.a_rows ? p.a_rows[i] : static_cast<uint32_t>(i);
      return static_cast<float>(p.a_u8[r * p.lda + kk]) / 255.0f;
    }
    case kARowF32: {
      size_t r = p.a_rows ? p.a_rows[i] : static_cast<uint32_t>(i);
      return p.a[r * p.lda + kk];
    }
    case kAColF32: {
      if (i == p.a_ones_row) return 1.0f;
      size_t r = p.a_rows ? p.a_rows[kk] : static_cast<uint32_t>(kk);
      return p.a[r * p.lda + i];
    }
    default: {  // kAColU8
      if (i == p.a_ones_row) return 1.0f;
      size_t r = p.a_rows ? p.a_rows[kk] : static_cast<uint32_t>(kk);
      return static_cast<float>(p.a_u8[r * p.lda + i]) / 255.0f;
    }
  }
}

// B(kk, j) for 0 <= kk < k, 0 <= j < n.
QRS_HD float gemm_b(const GemmProblem& p, int kk, int j) {
  return p.b_mode == kBRow ? p.b[static_cast<size_t>(kk) * p.ldb + j]
                           : p.b[static_cast<size_t>(j) * p.ldb + kk];
}

// The dropout multiplier of element (i, j) of a [m, n] layer output: the same
// (layer, step, element = i * n + j) indexing as cpu::dropout_forward.
QRS_HD float gemm_dropout_factor(const GemmProblem& p, int i, int j) {
  uint64_t e = static_cast<uint64_t>(i) * static_cast<uint64_t>(p.n) + static_cast<uint64_t>(j);
  return dropout_factor(p.drop_rate, dropout_u(p.seed, p.trial, p.layer, p.step, e));
}

// Writes the outputs of element (i, j) from its accumulated product. Same operation order
// as the CPU twins: dense_forward (bias, then activation), dropout_forward (h = y * f),
// activation_backward (g = dh * f, then g * act'(y)).
QRS_HD void gemm_epilogue(const GemmProblem& p, int i, int j, float acc) {
  const size_t o = static_cast<size_t>(i) * p.ldc + j;
  const Activation act = static_cast<Activation>(p.act);
  if (p.epilogue == kForward) {
    const float y = activate(act, acc + p.bias[j]);
    p.c[o] = y;
    if (p.h) p.h[o] = p.drop_rate > 0.0f ? y * gemm_dropout_factor(p, i, j) : y;
  } else if (p.epilogue == kBackward) {
    float g = acc;
    if (p.drop_rate > 0.0f) g = g * gemm_dropout_factor(p, i, j);
    p.c[o] = g * activate_grad_from_output(act, p.y_prev[o]);
  } else {
    p.c[o] = acc;
  }
}

// Index of the problem that owns global tile (or chunk) `t`: the largest p with
// offsets[p] <= t, where offsets[0] = 0 and offsets[count] = the total (a prefix sum).
QRS_HD int find_problem(const int* offsets, int count, int t) {
  int lo = 0, hi = count - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= t)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

// ---- Softmax cross-entropy: one problem = one trial's logits ----------------------------
struct XentProblem {
  const float* z;            // [rows, classes] logits
  const uint8_t* labels;     // the dataset's labels
  const uint32_t* rows_idx;  // label of row r = labels[rows_idx ? rows_idx[r] : r]
  float* dz;                 // [rows, classes]: d(mean loss)/dz; null: evaluation only
  double* loss_sum;          // out: sum of the rows' losses (one double)
  int64_t* correct;          // out: rows whose argmax (first max wins) is the label
  int rows, classes;
};

// ---- RMSprop-momentum over a parameter vector: one problem = one trial --------------------
struct RmspropProblem {
  float* w;
  const float* g;
  float* ms;
  float* mom;
  int64_t n;
  float lr, momentum;  // the trial's hyperparameters (rho, eps: docs/semantics.md#rmsprop)
};

constexpr int kRmspropChunk = 1024;  // elements per CTA

QRS_HD int rmsprop_chunks(const RmspropProblem& p) {
  return static_cast<int>((p.n + kRmspropChunk - 1) / kRmspropChunk);
}

// ---- Unfused stages around a library GEMM (the cuBLAS path) ------------------------------
// materialize: a_out[i * k + kk] = gemm_a(problem, i, kk) (row-major, float);
// epilogue: gemm_epilogue(problem, i, j, c[i * ldc + j]) in place.
struct GemmStage {
  GemmProblem problem;
  float* a_out;  // materialize only
};

constexpr int kStageChunk = 1024;  // elements per CTA

}  // namespace qrsweep
