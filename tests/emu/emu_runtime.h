// The emulated build's CUDA runtime surface: only what the kernels' launchers name
// (cudaError_t, cudaStream_t, cudaGetLastError, the error strings, cudaFuncGetAttributes).
// Types live in namespace emu so that no symbol collides with the real runtime's when a
// binary links both. A fuller emulated runtime (memory, streams, events) builds on this.
#pragma once
#include <cstddef>

namespace emu {

enum Error : int {
  kSuccess = 0,
  kInvalidValue = 1,
  kMemoryAllocation = 2,
  kInvalidConfiguration = 9,
  kLaunchFailure = 719,
};
struct Stream;  // never defined: the emulator runs every launch at once, in order

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

inline cudaError_t cudaGetLastError() { return emu::get_last_error(); }
inline cudaError_t cudaPeekAtLastError() { return emu::peek_last_error(); }
inline const char* cudaGetErrorName(cudaError_t e) { return emu::error_name(e); }
inline const char* cudaGetErrorString(cudaError_t e) { return emu::error_string(e); }
