// Launcher of the grouped dense GEMM: one launch runs every problem of a GemmProblem array
// (forward with bias, activation and dropout fused; dW|db; dX with act' and dropout fused).
#pragma once
#include <cuda_runtime.h>

#include "qrsweep/problems.h"

namespace qrsweep {

enum class GemmMath { kFp32, kTf32 };

// `problems` [count] and `tile_offsets` [count + 1] live in device memory; tile_offsets is
// the prefix sum of gemm_tiles() over the problems (tile_offsets[count] == total_tiles).
// kFp32: SIMT FMA in k order (bit-reproducible, the CPU's parity path); kTf32: tensor cores.
void launch_grouped_gemm(const GemmProblem* problems, const int* tile_offsets, int count,
                         int total_tiles, GemmMath math, cudaStream_t stream);

// cudaSuccess when this binary holds code the current device can run (the probe for
// cuda_device_usable); else the error cudaFuncGetAttributes gave.
cudaError_t grouped_gemm_probe();

}  // namespace qrsweep
