// Shared basics: the host/device qualifier for maths used by both backends, and the
// error types library code throws (only main() turns them into exit codes).
#pragma once
#include <stdexcept>
#include <string>

#if defined(__CUDACC__)
#define QRS_HD __host__ __device__ __forceinline__
#elif defined(QRSWEEP_EMULATED)  // kernels on the emulator: inlined into the checked code
#define QRS_HD inline __attribute__((always_inline))
#else
#define QRS_HD inline
#endif

namespace qrsweep {

// Any failure with a message meant for the user.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Bad user input (config, space file, command line): exit status 2.
struct ConfigError : Error {
  using Error::Error;
};
// Unreadable or malformed data files: exit status 3.
struct DataError : Error {
  using Error::Error;
};

}  // namespace qrsweep
