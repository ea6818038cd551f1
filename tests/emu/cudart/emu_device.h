// The emulated device's controls, for tests (docs/cuda.md, "The emulated device"): its size,
// the seed of the stream-order shuffle, injected faults, and what it counted. The runtime
// itself is the CUDA runtime API (emu_cudart.cpp, linked instead of libcudart).
#pragma once
#include <cstddef>
#include <cstdint>

namespace emu_device {

// The device's memory as cudaMemGetInfo and cudaMalloc see it (default 1 GiB).
void set_memory_bytes(size_t total);
// Among streams with work ready, which runs next is drawn from this seed (default 1;
// QRSWEEP_EMU_STREAM_SEED in the environment).
void set_stream_seed(uint64_t seed);

enum class Fault {
  kNone,
  kRefusedLaunch,      // launch n is refused (cudaErrorLaunchOutOfResources, not sticky)
  kIllegalAddress,     // kernel n faults as it runs (cudaErrorIllegalAddress, sticky)
  kRefusedAllocation,  // cudaMalloc n fails (cudaErrorMemoryAllocation, not sticky)
};
// Arms one fault at the n-th (1-based, counted from now) launch (kernel launches and graph
// launches as the host issues them), kernel run (kIllegalAddress: each kernel of a graph
// counts), or cudaMalloc.
void inject(Fault fault, int64_t n);

struct Counts {
  int64_t launches = 0;     // kernel launches and graph launches issued by the host
  int64_t kernels_run = 0;  // grids run (graph replays included)
  int64_t allocations = 0;  // cudaMalloc calls
  int64_t graph_launches = 0;
};
Counts counts();

// Runs what is queued, then clears the sticky error and the last error, disarms the fault and
// zeroes the counts (between tests). Streams and allocations stay as they are.
void reset_errors();

}  // namespace emu_device
