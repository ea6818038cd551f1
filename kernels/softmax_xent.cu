// Grouped softmax cross-entropy on logits (docs/semantics.md#loss, #backward) through
// xent_row/xent_grad of math.h: one CTA per problem, rows strided over its threads, sums in a
// fixed-order tree.
#include "cuda_check.cuh"
#include "launch.cuh"
#include "softmax_xent.cuh"

namespace qrsweep {
namespace {

constexpr int kThreads = 256;

static __global__ void __launch_bounds__(kThreads)
    softmax_xent_kernel(const XentProblem* __restrict__ problems) {
  __shared__ XentProblem sp;
  __shared__ double loss_part[kThreads];
  __shared__ long long correct_part[kThreads];
  if (threadIdx.x == 0) sp = problems[blockIdx.x];
  __syncthreads();
  const XentProblem& p = sp;
  const float inv_batch = 1.0f / static_cast<float>(p.rows);  // as cpu::softmax_xent

  // Each thread sums its rows in row order (r = tid, tid + 256, ...) in double.
  double loss = 0.0;
  long long correct = 0;
  for (int r = threadIdx.x; r < p.rows; r += kThreads) {
    const float* z = p.z + static_cast<size_t>(r) * p.classes;
    const int label = p.labels[p.rows_idx ? p.rows_idx[r] : static_cast<uint32_t>(r)];
    const XentRow<float> x = xent_row(z, p.classes, label);
    loss += static_cast<double>(x.loss);
    correct += x.argmax == label ? 1 : 0;
    if (p.dz) {
      float* d = p.dz + static_cast<size_t>(r) * p.classes;
      for (int j = 0; j < p.classes; ++j) d[j] = xent_grad(x, z[j], j == label, inv_batch);
    }
  }
  loss_part[threadIdx.x] = loss;
  correct_part[threadIdx.x] = correct;
  __syncthreads();
  // Fixed pairing at every level: deterministic regardless of scheduling.
  for (int half = kThreads / 2; half > 0; half >>= 1) {
    if (threadIdx.x < half) {
      loss_part[threadIdx.x] += loss_part[threadIdx.x + half];
      correct_part[threadIdx.x] += correct_part[threadIdx.x + half];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    *p.loss_sum = loss_part[0];
    *p.correct = static_cast<int64_t>(correct_part[0]);
  }
}

}  // namespace

void launch_softmax_xent(const XentProblem* problems, int count, cudaStream_t stream) {
  LAUNCH_REQUIRE(problems != nullptr);
  LAUNCH_REQUIRE(count >= 1);
  QRS_LAUNCH(softmax_xent_kernel, count, kThreads, 0, stream, problems);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace qrsweep
