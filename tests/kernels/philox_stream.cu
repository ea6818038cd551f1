// Device Philox: PhiloxStream of philox.h evaluated one counter block per thread.
#include "cuda_check.cuh"
#include "launch.cuh"
#include "philox_stream.cuh"
#include "qrsweep/philox.h"

namespace qrsweep {
namespace {

constexpr int kThreads = 256;

static __global__ void __launch_bounds__(kThreads)
    philox_blocks_kernel(PhiloxStream s, uint64_t first_block, int64_t blocks, uint32_t* out) {
  const int64_t b = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x;
  if (b >= blocks) return;
  const Philox4 r = s.block(first_block + static_cast<uint64_t>(b));
  uint4 v;
  v.x = r.v[0];
  v.y = r.v[1];
  v.z = r.v[2];
  v.w = r.v[3];
  reinterpret_cast<uint4*>(out)[b] = v;
}

}  // namespace

void launch_philox_blocks(uint64_t seed, uint32_t trial, uint32_t purpose, uint64_t first_block,
                          int64_t blocks, uint32_t* out, cudaStream_t stream) {
  LAUNCH_REQUIRE(out != nullptr);
  LAUNCH_REQUIRE(reinterpret_cast<uintptr_t>(out) % 16 == 0);  // uint4 stores
  LAUNCH_REQUIRE(blocks >= 1);
  const int64_t grid = (blocks + kThreads - 1) / kThreads;
  LAUNCH_REQUIRE(grid <= 0x7fffffff);
  QRS_LAUNCH(philox_blocks_kernel, static_cast<unsigned>(grid), kThreads, 0, stream,
             PhiloxStream{seed, trial, purpose}, first_block, blocks, out);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace qrsweep
