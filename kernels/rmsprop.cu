// Fused RMSprop-momentum (docs/semantics.md#rmsprop, both branches) through rmsprop_step of math.h:
// every parameter of every problem in one launch, each CTA a chunk of one problem's vector.
#include "cuda_check.cuh"
#include "launch.cuh"
#include "rmsprop.cuh"

namespace qrsweep {
namespace {

constexpr int kThreads = 256;

static __global__ void __launch_bounds__(kThreads)
    rmsprop_kernel(const RmspropProblem* __restrict__ problems,
                   const int* __restrict__ chunk_offsets, int count) {
  const int chunk = static_cast<int>(blockIdx.x);
  const int pid = find_problem(chunk_offsets, count, chunk);
  const RmspropProblem p = problems[pid];
  RmspropHyper h;
  h.lr = p.lr;
  h.momentum = p.momentum;
  const int64_t begin = static_cast<int64_t>(chunk - chunk_offsets[pid]) * kRmspropChunk;
  const int64_t end = begin + kRmspropChunk < p.n ? begin + kRmspropChunk : p.n;
  for (int64_t e = begin + threadIdx.x; e < end; e += kThreads)
    rmsprop_step(h, p.g[e], &p.w[e], &p.ms[e], &p.mom[e]);
}

}  // namespace

void launch_rmsprop(const RmspropProblem* problems, const int* chunk_offsets, int count,
                    int total_chunks, cudaStream_t stream) {
  LAUNCH_REQUIRE(problems != nullptr);
  LAUNCH_REQUIRE(chunk_offsets != nullptr);
  LAUNCH_REQUIRE(count >= 1);
  LAUNCH_REQUIRE(total_chunks >= 1);
  QRS_LAUNCH(rmsprop_kernel, total_chunks, kThreads, 0, stream, problems, chunk_offsets, count);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace qrsweep
