// The CUDA backend's entry points, called by host/backends/backend_factory.cpp.
#pragma once
#include <memory>
#include <string>

#include "cuda/cuda_executor.h"
#include "qrsweep/backend.h"

namespace qrsweep {

// True when a driver, a device and kernels this binary can run on it are present; else false
// with a plain reason in *why ("no NVIDIA driver ...", "no CUDA device ...").
bool cuda_device_usable(std::string* why);

// The GPU backend for `opt` (device ordinal, tf32, the CUDA modes). Throws Error when the
// device cannot be used.
std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& opt);

// The same with every executor option explicit (tests, benchmarks).
std::unique_ptr<Backend> make_cuda_backend_with(const CudaExecutorOptions& opt);

}  // namespace qrsweep
