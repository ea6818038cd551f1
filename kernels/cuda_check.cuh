// CUDA_CHECK: turns a failed CUDA runtime call into a qrsweep::Error carrying the call, the file
// and the line (docs/style.md#errors-by-layer). Plain C++ over cuda_runtime.h: host code includes
// it.
#pragma once
#include <cuda_runtime.h>

#include <string>

#include "qrsweep/common.h"

namespace qrsweep {

inline void cuda_check(cudaError_t status, const char* expr, const char* file, int line) {
  if (status == cudaSuccess) return;
  // This exception reports the error: take it out of the thread's last-error slot, or the
  // next launch's cudaGetLastError() reports it again (a refused cudaMalloc would fail the
  // next round). A sticky error (a lost context) still fails every later call.
  cudaGetLastError();
  throw Error(std::string("CUDA error ") + cudaGetErrorName(status) + " (" +
              cudaGetErrorString(status) + ") in " + expr + " at " + file + ":" +
              std::to_string(line));
}

// A failed precondition in a launcher: the caller handed the kernel something it cannot run.
inline void launch_require(bool ok, const char* what, const char* file, int line) {
  if (!ok) {
    throw Error(std::string("kernel launch precondition failed: ") + what + " at " + file + ":" +
                std::to_string(line));
  }
}

}  // namespace qrsweep

#define CUDA_CHECK(expr) ::qrsweep::cuda_check((expr), #expr, __FILE__, __LINE__)
#define LAUNCH_REQUIRE(cond) ::qrsweep::launch_require((cond), #cond, __FILE__, __LINE__)
