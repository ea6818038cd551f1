// cuBLAS as the second GEMM path and the oracle: a GemmProblem list as one
// cublasSgemmGroupedBatched call (products only; epilogues are the caller's).
#pragma once
#include <cublas_v2.h>

#include <vector>

#include "qrsweep/problems.h"

namespace qrsweep {

// The arguments of one cublasSgemmGroupedBatched call, one group per problem. cuBLAS is
// column-major: the row-major C[m, n] = A B is computed as C^T = B^T A^T, i.e. a column-major
// (n x m) product with B's storage as the first operand and A's as the second.
struct CublasGroupedCall {
  std::vector<cublasOperation_t> trans_a, trans_b;
  std::vector<int> m, n, k, lda, ldb, ldc, group_size;
  std::vector<float> alpha, beta;
  // The pointer arrays, on the host: copy each into device memory for run_cublas_grouped.
  std::vector<const float*> a, b;
  std::vector<float*> c;
};

// Problems must read A as plain floats (kARow, or kACol without a ones row); `a_override`
// (optional, one entry per problem, null entries ignored) replaces a problem's A with a
// row-major [m, k] float matrix (a materialized operand). Throws Error otherwise.
CublasGroupedCall make_cublas_grouped_call(const std::vector<GemmProblem>& problems,
                                           const std::vector<const float*>* a_override = nullptr);

// Whether a problem's A must be materialized before cuBLAS can read it.
bool cublas_needs_materialized_a(const GemmProblem& p);

// Runs the call on the handle's stream; dev_a, dev_b, dev_c: the pointer arrays in device
// memory (cuBLAS reads them when the work runs).
void run_cublas_grouped(cublasHandle_t handle, const CublasGroupedCall& call,
                        const float* const* dev_a, const float* const* dev_b, float* const* dev_c);

}  // namespace qrsweep
