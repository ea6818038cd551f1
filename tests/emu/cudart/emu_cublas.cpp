// cuBLAS on the emulated device (tests/emu/cudart): the calls host/cuda makes, the grouped
// GEMM a plain host loop queued on the handle's stream like any kernel. It reads the pointer
// arrays and operands when it runs, as the GPU does; products accumulate in k order in float
// (cuBLAS's own order is unspecified, so the tests compare it within a tolerance).
#include <cublas_v2.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace emu {
struct Stream;
void submit_launch(Stream* stream, const char* kernel, std::function<void()> grid);
}  // namespace emu

struct cublasContext {
  cudaStream_t stream = nullptr;
  cublasMath_t math = CUBLAS_DEFAULT_MATH;
  cublasPointerMode_t pointer_mode = CUBLAS_POINTER_MODE_HOST;
};

extern "C" {

cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) {
  *handle = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream) {
  handle->stream = stream;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
  handle->math = mode;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t mode) {
  handle->pointer_mode = mode;
  return CUBLAS_STATUS_SUCCESS;
}
const char* cublasGetStatusName(cublasStatus_t s) {
  return s == CUBLAS_STATUS_SUCCESS ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS_STATUS_INVALID_VALUE";
}
const char* cublasGetStatusString(cublasStatus_t s) {
  return s == CUBLAS_STATUS_SUCCESS ? "the operation completed successfully"
                                    : "an unsupported value or parameter was passed";
}

// Column-major C = alpha op(A) op(B) + beta C per problem, group_size problems per group.
cublasStatus_t cublasSgemmGroupedBatched(cublasHandle_t handle, const cublasOperation_t transa[],
                                         const cublasOperation_t transb[], const int m[],
                                         const int n[], const int k[], const float alpha[],
                                         const float* const Aarray[], const int lda[],
                                         const float* const Barray[], const int ldb[],
                                         const float beta[], float* const Carray[], const int ldc[],
                                         int group_count, const int group_size[]) {
  if (handle->pointer_mode != CUBLAS_POINTER_MODE_HOST || group_count < 0)
    return CUBLAS_STATUS_INVALID_VALUE;
  struct Group {
    cublasOperation_t ta, tb;
    int m, n, k, lda, ldb, ldc, size;
    float alpha, beta;
  };
  // The scalar arrays are host arrays read at the call; the pointer arrays are device
  // memory, read when the work runs.
  auto groups = std::make_shared<std::vector<Group>>();
  for (int g = 0; g < group_count; ++g) {
    if (m[g] < 0 || n[g] < 0 || k[g] < 0 || group_size[g] < 0) return CUBLAS_STATUS_INVALID_VALUE;
    groups->push_back({transa[g], transb[g], m[g], n[g], k[g], lda[g], ldb[g], ldc[g],
                       group_size[g], alpha[g], beta[g]});
  }
  emu::submit_launch(reinterpret_cast<emu::Stream*>(handle->stream), "cublasSgemmGroupedBatched",
                     [groups, Aarray, Barray, Carray] {
                       size_t p = 0;
                       for (const Group& g : *groups) {
                         for (int i = 0; i < g.size; ++i, ++p) {
                           const float* A = Aarray[p];
                           const float* B = Barray[p];
                           float* C = Carray[p];
                           for (int col = 0; col < g.n; ++col) {
                             for (int row = 0; row < g.m; ++row) {
                               float acc = 0.0f;
                               for (int kk = 0; kk < g.k; ++kk) {
                                 const float a = g.ta == CUBLAS_OP_N
                                                     ? A[row + static_cast<size_t>(kk) * g.lda]
                                                     : A[kk + static_cast<size_t>(row) * g.lda];
                                 const float b = g.tb == CUBLAS_OP_N
                                                     ? B[kk + static_cast<size_t>(col) * g.ldb]
                                                     : B[col + static_cast<size_t>(kk) * g.ldb];
                                 acc += a * b;
                               }
                               float& c = C[row + static_cast<size_t>(col) * g.ldc];
                               c = g.beta == 0.0f ? g.alpha * acc : g.alpha * acc + g.beta * c;
                             }
                           }
                         }
                       }
                     });
  return CUBLAS_STATUS_SUCCESS;
}

}  // extern "C"
