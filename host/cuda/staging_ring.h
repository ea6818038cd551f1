// The CUDA executor's descriptor staging: a ring of three arenas of pinned host bytes with a
// device twin at the same offsets. A step stages into one arena; flush() copies what was
// staged since the last flush with one cudaMemcpyAsync per arena chunk, ahead of the launch
// that reads it; the arena is reused only after the event recorded at its step's end, so the
// host builds step s+1 while the GPU runs step s.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "cuda/cuda_raii.h"

namespace qrsweep {

class StagingRing {
 public:
  static constexpr int kSlots = 3;

  StagingRing();

  // The next arena, after the step that last used it has run; a slot that overflowed into
  // several chunks last time becomes one chunk of their total.
  void begin_step();
  // Copies `bytes` from `src` into the current arena: the device address they will have.
  // Earlier addresses of the step stay valid.
  const void* stage(const void* src, size_t bytes);
  // Queues on `stream` the copies of what was staged since the last flush.
  void flush(cudaStream_t stream);
  // Records the current arena's release on `stream`; with `check` false (a step that already
  // failed and reports its own error) a failed record is not thrown.
  void end_step(cudaStream_t stream, bool check = true);

 private:
  struct Chunk {
    PinnedMemory host;
    DeviceMemory dev;
    size_t used = 0, flushed = 0;
    explicit Chunk(size_t bytes) : host(bytes), dev(bytes) {}
  };
  struct Slot {
    std::vector<std::unique_ptr<Chunk>> chunks;
    CudaEvent done;
    bool recorded = false;
  };
  std::vector<Slot> slots_;
  int cur_ = -1;
};

}  // namespace qrsweep
