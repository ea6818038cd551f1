// Test-only launcher that writes a span of one of the project's Philox streams (philox.h)
// on the device: the GPU side of the host and cuRAND comparisons (gpu_philox_test,
// emu_kernels_test). The kernels draw through philox.h directly.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace qrsweep {

// out[4 * b + q] = word q of block (first_block + b) of stream (seed, trial, purpose),
// for b < blocks; `out` in device memory, 4 * blocks words.
void launch_philox_blocks(uint64_t seed, uint32_t trial, uint32_t purpose, uint64_t first_block,
                          int64_t blocks, uint32_t* out, cudaStream_t stream);

}  // namespace qrsweep
