// The GPU executor: one CUDA stream, a ring of pinned/device staging arenas for the launch
// descriptors (staging_ring.h), and the grouped kernels (graph_device.h) or cuBLAS plus the
// unfused stages (cublas_path.h) per GEMM engine. Its options come from the command line
// (--tf32, --cuda-gemm, --cuda-sync, --no-cuda-graphs; BackendOptions).
#pragma once
#include <memory>
#include <string>

#include "device/executor.h"
#include "grouped_gemm.cuh"

namespace qrsweep {

enum class GemmEngine {
  kOwn,     // the project's grouped GEMM with fused epilogues (kernels/grouped_gemm.cu)
  kCublas,  // cublasSgemmGroupedBatched + materialize / epilogue kernels (the second path)
};

struct CudaExecutorOptions {
  int device = 0;
  GemmMath math = GemmMath::kFp32;  // kTf32: tensor cores (own kernels), TF32 math mode (cuBLAS)
  GemmEngine engine = GemmEngine::kOwn;
  bool sync_each_op = false;  // synchronize after every op: errors point at their launch
  // Replay recurring steps from CUDA Graphs (own kernels only; off with sync_each_op): a step
  // whose launches (kernels, arguments, grids) repeat an earlier step's is captured once and
  // then issued as one graph launch instead of one launch per op.
  bool graphs = true;
};

// Throws Error when the device is missing or cannot run the options (TF32 below sm_80).
std::shared_ptr<Executor> make_cuda_executor(const CudaExecutorOptions& opt);

}  // namespace qrsweep
