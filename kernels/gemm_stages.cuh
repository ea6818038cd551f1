// Launchers of the unfused stages that wrap a library GEMM (the cuBLAS path): materialize a
// problem's A operand as a plain float matrix, and apply a problem's epilogue in place.
#pragma once
#include <cuda_runtime.h>

#include "qrsweep/problems.h"

namespace qrsweep {

// Elements per stage: materialize covers m * k of each problem, epilogue m * n.
QRS_HD int64_t stage_elements(const GemmStage& s, bool materialize) {
  return static_cast<int64_t>(s.problem.m) * (materialize ? s.problem.k : s.problem.n);
}
QRS_HD int stage_chunks(const GemmStage& s, bool materialize) {
  return static_cast<int>((stage_elements(s, materialize) + kStageChunk - 1) / kStageChunk);
}

// stages [count] and chunk_offsets [count + 1] (prefix sum of stage_chunks) in device memory.
// a_out[i * k + kk] = gemm_a(problem, i, kk).
void launch_materialize_a(const GemmStage* stages, const int* chunk_offsets, int count,
                          int total_chunks, cudaStream_t stream);
// gemm_epilogue(problem, i, j, c[i * ldc + j]): reads the product from c, writes the outputs.
void launch_gemm_epilogue(const GemmStage* stages, const int* chunk_offsets, int count,
                          int total_chunks, cudaStream_t stream);

}  // namespace qrsweep
