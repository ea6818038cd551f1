// cublasSgemmGroupedBatched over GemmProblem lists (see cublas_grouped.h).
#include "cuda/cublas_grouped.h"

#include "cuda/cuda_raii.h"

namespace qrsweep {

bool cublas_needs_materialized_a(const GemmProblem& p) {
  if (p.a_mode == kARowU8 || p.a_mode == kAColU8) return true;
  if (p.a_mode == kARowF32 || p.a_mode == kAColF32) return true;  // a row gather
  return p.a_mode == kACol && p.a_ones_row >= 0;
}

CublasGroupedCall make_cublas_grouped_call(const std::vector<GemmProblem>& problems,
                                           const std::vector<const float*>* a_override) {
  if (a_override && a_override->size() != problems.size())
    throw Error("make_cublas_grouped_call: a_override needs one entry per problem");
  CublasGroupedCall c;
  for (size_t q = 0; q < problems.size(); ++q) {
    const GemmProblem& p = problems[q];
    const float* a = p.a;
    int a_mode = p.a_mode, lda = p.lda;
    if (a_override && (*a_override)[q]) {
      a = (*a_override)[q];
      a_mode = kARow;
      lda = p.k;
    } else if (cublas_needs_materialized_a(p)) {
      throw Error("make_cublas_grouped_call: problem " + std::to_string(q) +
                  " reads A through a gather or a ones row; materialize it first");
    }
    // First operand: B^T as (n x k) column-major. Row-major B[k, n] (kBRow) is exactly that
    // storage; kBCol stores B as (k x n) column-major, so it is transposed.
    c.trans_a.push_back(p.b_mode == kBRow ? CUBLAS_OP_N : CUBLAS_OP_T);
    c.lda.push_back(p.ldb);
    c.a.push_back(p.b);
    // Second operand: A^T as (k x m) column-major: row-major A (kARow) is that storage;
    // kACol stores A as (m x k) column-major, so it is transposed.
    c.trans_b.push_back(a_mode == kARow ? CUBLAS_OP_N : CUBLAS_OP_T);
    c.ldb.push_back(lda);
    c.b.push_back(a);
    c.m.push_back(p.n);
    c.n.push_back(p.m);
    c.k.push_back(p.k);
    c.ldc.push_back(p.ldc);
    c.c.push_back(p.c);
    c.alpha.push_back(1.0f);
    c.beta.push_back(0.0f);
    c.group_size.push_back(1);
  }
  return c;
}

void run_cublas_grouped(cublasHandle_t handle, const CublasGroupedCall& call,
                        const float* const* dev_a, const float* const* dev_b, float* const* dev_c) {
  const int groups = static_cast<int>(call.m.size());
  if (groups == 0) return;
  CUBLAS_CHECK(cublasSetPointerMode(handle, CUBLAS_POINTER_MODE_HOST));
  CUBLAS_CHECK(cublasSgemmGroupedBatched(
      handle, call.trans_a.data(), call.trans_b.data(), call.m.data(), call.n.data(), call.k.data(),
      call.alpha.data(), dev_a, call.lda.data(), dev_b, call.ldb.data(), call.beta.data(), dev_c,
      call.ldc.data(), groups, call.group_size.data()));
}

}  // namespace qrsweep
