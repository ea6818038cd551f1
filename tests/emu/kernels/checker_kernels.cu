// The emulator tests' kernels (checker_kernels.h). Each broken variant has one defect of the
// kind its checker exists for; the clean variant is the same kernel without it.
#include <mma.h>

#include "checker_kernels.h"
#include "cuda_check.cuh"
#include "launch.cuh"

namespace emu_test {
namespace {

constexpr int kThreads = 256;

// Copies in to out; the broken variant forgets the bound and the last block reads and
// writes past both arrays (the grid has one block too many).
__global__ void bounds_kernel(const float* in, float* out, int n, bool broken) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (broken || i < n) out[i] = in[i];
}

// Shifts each block's slice by one through shared memory; the broken variant reads the
// neighbour's slot without the barrier between the write and the read.
__global__ void race_kernel(const float* in, float* out, bool broken) {
  __shared__ float s[kThreads];
  const int t = static_cast<int>(threadIdx.x);
  const int base = static_cast<int>(blockIdx.x) * kThreads;
  s[t] = in[base + t];
  if (!broken) __syncthreads();
  out[base + t] = s[t > 0 ? t - 1 : 0];
}

// Only half of the threads stage a value; the broken variant reads every slot.
__global__ void uninit_kernel(const float* in, float* out, bool broken) {
  __shared__ float s[kThreads];
  const int t = static_cast<int>(threadIdx.x);
  const int base = static_cast<int>(blockIdx.x) * kThreads;
  if (t < kThreads / 2) s[t] = in[base + t];
  __syncthreads();
  const int from = broken ? kThreads - 1 - t : t % (kThreads / 2);
  out[base + t] = s[from];
}

// A warp returns early; the broken variant does so before the block's barrier.
__global__ void divergence_kernel(const float* in, float* out, bool broken) {
  __shared__ float s[kThreads];
  const int t = static_cast<int>(threadIdx.x);
  const int base = static_cast<int>(blockIdx.x) * kThreads;
  s[t] = in[base + t];
  if (broken && t >= kThreads - 32) return;
  __syncthreads();
  out[base + t] = s[(t + 1) % (kThreads - 32)];
}

// Odd and even threads wait at different __syncthreads in the broken variant.
__global__ void barrier_site_kernel(const float* in, float* out, bool broken) {
  __shared__ float s[kThreads];
  const int t = static_cast<int>(threadIdx.x);
  const int base = static_cast<int>(blockIdx.x) * kThreads;
  s[t] = in[base + t];
  if (broken && (t & 1)) {
    __syncthreads();
  } else {
    __syncthreads();
  }
  out[base + t] = s[kThreads - 1 - t];
}

// float4 loads; the broken variant starts one float past the array's 16-byte-aligned base.
__global__ void alignment_kernel(const float* in, float* out, bool broken) {
  const int q = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  const float4 v = *reinterpret_cast<const float4*>(in + (broken ? 1 : 0) + 4 * q);
  out[q] = v.x + v.y + v.z + v.w;
}

// One warp loads a 16x8 TF32 fragment from shared memory (a warp-collective operation);
// in the broken variant half of the warp has returned before it.
__global__ void warp_collective_kernel(const float* in, float* out, bool broken) {
  namespace wmma = nvcuda::wmma;
  __shared__ __align__(32) float m[16 * 8];
  const int t = static_cast<int>(threadIdx.x);
  for (int e = t; e < 16 * 8; e += 32) m[e] = in[e];
  __syncthreads();
  if (broken && t >= 16) return;
  wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> f;
  wmma::load_matrix_sync(f, m, 8);
  out[t] = f.x[0];
}

__global__ void last_block_kernel(int* out) {
  if (threadIdx.x == 0) *out = static_cast<int>(blockIdx.x);
}

}  // namespace

void launch_check(Check check, bool broken, const float* in, float* out, int n) {
  const int blocks = n / kThreads;
  switch (check) {
    case Check::kBounds:
      QRS_LAUNCH(bounds_kernel, blocks + 1, kThreads, 0, nullptr, in, out, n, broken);
      break;
    case Check::kRace:
      QRS_LAUNCH(race_kernel, blocks, kThreads, 0, nullptr, in, out, broken);
      break;
    case Check::kUninit:
      QRS_LAUNCH(uninit_kernel, blocks, kThreads, 0, nullptr, in, out, broken);
      break;
    case Check::kDivergence:
      QRS_LAUNCH(divergence_kernel, blocks, kThreads, 0, nullptr, in, out, broken);
      break;
    case Check::kSameBarrierSite:
      QRS_LAUNCH(barrier_site_kernel, blocks, kThreads, 0, nullptr, in, out, broken);
      break;
    case Check::kWarpCollective:
      QRS_LAUNCH(warp_collective_kernel, 1, 32, 0, nullptr, in, out, broken);
      break;
    case Check::kAlignment:
      QRS_LAUNCH(alignment_kernel, blocks / 4, kThreads, 0, nullptr, in, out, broken);
      break;
  }
  CUDA_CHECK(cudaGetLastError());
}

void launch_last_block_wins(int* out, int blocks) {
  QRS_LAUNCH(last_block_kernel, blocks, 32, 0, nullptr, out);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace emu_test
