// The cuBLAS path's prologue and epilogue as grouped elementwise kernels: the same gemm_a and
// gemm_epilogue as the fused kernels, one CTA per chunk of one problem's elements.
#include "cuda_check.cuh"
#include "gemm_stages.cuh"
#include "launch.cuh"

namespace qrsweep {
namespace {

constexpr int kThreads = 256;

static __global__ void __launch_bounds__(kThreads)
    materialize_a_kernel(const GemmStage* __restrict__ stages,
                         const int* __restrict__ chunk_offsets, int count) {
  __shared__ GemmStage ss;
  const int chunk = static_cast<int>(blockIdx.x);
  const int sid = find_problem(chunk_offsets, count, chunk);
  if (threadIdx.x == 0) ss = stages[sid];
  __syncthreads();
  const GemmProblem& p = ss.problem;
  const int64_t total = static_cast<int64_t>(p.m) * p.k;
  const int64_t begin = static_cast<int64_t>(chunk - chunk_offsets[sid]) * kStageChunk;
  const int64_t end = begin + kStageChunk < total ? begin + kStageChunk : total;
  for (int64_t e = begin + threadIdx.x; e < end; e += kThreads) {
    const int i = static_cast<int>(e / p.k), kk = static_cast<int>(e % p.k);
    ss.a_out[e] = gemm_a(p, i, kk);
  }
}

static __global__ void __launch_bounds__(kThreads)
    gemm_epilogue_kernel(const GemmStage* __restrict__ stages,
                         const int* __restrict__ chunk_offsets, int count) {
  __shared__ GemmStage ss;
  const int chunk = static_cast<int>(blockIdx.x);
  const int sid = find_problem(chunk_offsets, count, chunk);
  if (threadIdx.x == 0) ss = stages[sid];
  __syncthreads();
  const GemmProblem& p = ss.problem;
  const int64_t total = static_cast<int64_t>(p.m) * p.n;
  const int64_t begin = static_cast<int64_t>(chunk - chunk_offsets[sid]) * kStageChunk;
  const int64_t end = begin + kStageChunk < total ? begin + kStageChunk : total;
  for (int64_t e = begin + threadIdx.x; e < end; e += kThreads) {
    const int i = static_cast<int>(e / p.n), j = static_cast<int>(e % p.n);
    // Read before the epilogue writes: the same thread owns the element, so in place is safe.
    const float acc = p.c[static_cast<size_t>(i) * p.ldc + j];
    gemm_epilogue(p, i, j, acc);
  }
}

void check_stage_args(const GemmStage* stages, const int* chunk_offsets, int count,
                      int total_chunks) {
  LAUNCH_REQUIRE(stages != nullptr);
  LAUNCH_REQUIRE(chunk_offsets != nullptr);
  LAUNCH_REQUIRE(count >= 1);
  LAUNCH_REQUIRE(total_chunks >= 1);
}

}  // namespace

void launch_materialize_a(const GemmStage* stages, const int* chunk_offsets, int count,
                          int total_chunks, cudaStream_t stream) {
  check_stage_args(stages, chunk_offsets, count, total_chunks);
  QRS_LAUNCH(materialize_a_kernel, total_chunks, kThreads, 0, stream, stages, chunk_offsets, count);
  CUDA_CHECK(cudaGetLastError());
}

void launch_gemm_epilogue(const GemmStage* stages, const int* chunk_offsets, int count,
                          int total_chunks, cudaStream_t stream) {
  check_stage_args(stages, chunk_offsets, count, total_chunks);
  QRS_LAUNCH(gemm_epilogue_kernel, total_chunks, kThreads, 0, stream, stages, chunk_offsets, count);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace qrsweep
