// cuda_device_usable and the factories of the GPU backend (DeviceBackend on CudaExecutor).
#include "cuda/cuda_backend.h"

#include <cuda_runtime.h>

#include "device/device_backend.h"
#include "grouped_gemm.cuh"

namespace qrsweep {

bool cuda_device_usable(std::string* why) {
  auto fail = [&](const std::string& reason) {
    if (why) *why = reason;
    cudaGetLastError();  // leave no sticky error behind for later callers
    return false;
  };
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0))
    return fail("no CUDA device is present");
  if (e == cudaErrorInsufficientDriver)
    return fail(std::string("no usable NVIDIA driver (") + cudaGetErrorString(e) +
                "); this machine has no GPU, or its driver is older than the CUDA runtime");
  if (e != cudaSuccess)
    return fail(std::string("the CUDA runtime cannot reach a GPU: ") + cudaGetErrorName(e) + " (" +
                cudaGetErrorString(e) + ")");
  const cudaError_t probe = grouped_gemm_probe();
  if (probe != cudaSuccess)
    return fail(std::string("this qrsweep has no kernels the GPU can run (") +
                cudaGetErrorString(probe) +
                "); rebuild with -DCMAKE_CUDA_ARCHITECTURES=<its compute capability>");
  return true;
}

std::unique_ptr<Backend> make_cuda_backend_with(const CudaExecutorOptions& opt) {
  std::shared_ptr<Executor> ex = make_cuda_executor(opt);
  std::string device = ex->describe();
  return make_device_backend(std::move(ex), std::move(device));
}

std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& opt) {
  CudaExecutorOptions o;
  o.device = opt.device;
  o.math = opt.tf32 ? GemmMath::kTf32 : GemmMath::kFp32;
  o.engine = opt.cuda.cublas ? GemmEngine::kCublas : GemmEngine::kOwn;
  o.sync_each_op = opt.cuda.sync_each_op;
  o.graphs = opt.cuda.graphs;
  return make_cuda_backend_with(o);
}

}  // namespace qrsweep
