// The cuBLAS GEMM engine (--cuda-gemm cublas): cublasSgemmGroupedBatched for the products,
// grouped kernels for what it cannot fuse. A operands read through a gather or a ones row
// are materialized into scratch first; epilogues run after, in place.
#pragma once
#include <cuda_runtime.h>

#include <vector>

#include "cuda/cuda_raii.h"
#include "cuda/staging_ring.h"
#include "grouped_gemm.cuh"
#include "qrsweep/problems.h"

namespace qrsweep {

class CublasGemmPath {
 public:
  CublasGemmPath(cudaStream_t stream, GemmMath math);
  // Stages the pointer arrays and stage lists into `ring` (inside a step) and queues the
  // launches on the stream.
  void run(const std::vector<GemmProblem>& problems, StagingRing& ring);

 private:
  float* scratch(size_t bytes);

  cudaStream_t stream_;
  CublasHandle handle_;
  DeviceMemory scratch_;
};

}  // namespace qrsweep
