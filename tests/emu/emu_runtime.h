// The emulated build's CUDA runtime surface: only what the kernels' launchers name
// (cudaError_t, cudaStream_t, cudaGetLastError, the error strings, cudaFuncGetAttributes).
// Types live in namespace emu so that no symbol collides with the real runtime's when a
// binary links both. A fuller emulated runtime (memory, streams, events) builds on this.
#pragma once
#include <cstddef>
#include <functional>

namespace emu {

enum Error : int {
  kSuccess = 0,
  kInvalidValue = 1,
  kMemoryAllocation = 2,
  kInvalidConfiguration = 9,
  kLaunchOutOfResources = 701,
  kLaunchFailure = 719,
};
// Never defined here: without a launch queue every launch runs at once, in order; the
// emulated CUDA runtime (tests/emu/cudart) passes its own streams through it.
struct Stream;

// Where a launch goes once its configuration is accepted: `grid` runs the whole grid.
// Without a queue (kernel tests, the emulated executor) it runs at once; the emulated CUDA
// runtime installs one that queues it on `stream` (and may refuse it: a fault injected).
using LaunchQueue = void (*)(Stream* stream, const char* kernel, std::function<void()> grid);
void set_launch_queue(LaunchQueue queue);
void submit_launch(Stream* stream, const char* kernel, std::function<void()> grid);

const char* error_name(Error e);
const char* error_string(Error e);
Error get_last_error();   // returns and clears the sticky launch error
Error peek_last_error();  // returns it without clearing
void set_last_error(Error e);

}  // namespace emu

using cudaError_t = emu::Error;
using cudaStream_t = emu::Stream*;
constexpr cudaError_t cudaSuccess = emu::kSuccess;
constexpr cudaError_t cudaErrorInvalidValue = emu::kInvalidValue;
constexpr cudaError_t cudaErrorMemoryAllocation = emu::kMemoryAllocation;
constexpr cudaError_t cudaErrorInvalidConfiguration = emu::kInvalidConfiguration;
constexpr cudaError_t cudaErrorLaunchFailure = emu::kLaunchFailure;
constexpr cudaError_t cudaErrorLaunchOutOfResources = emu::kLaunchOutOfResources;

inline cudaError_t cudaGetLastError() { return emu::get_last_error(); }
inline cudaError_t cudaPeekAtLastError() { return emu::peek_last_error(); }
inline const char* cudaGetErrorName(cudaError_t e) { return emu::error_name(e); }
inline const char* cudaGetErrorString(cudaError_t e) { return emu::error_string(e); }
