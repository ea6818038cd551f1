// The packed scheduler's memory plan: what one resident trial occupies on the device, and the
// budget the resident set may fill (the device's free memory less a safety margin).
#pragma once
#include <cstddef>

#include "device/executor.h"
#include "device/resident_trial.h"

namespace qrsweep::packed {

// Bytes ResidentTrial allocates for `cfg`: its one allocation (core/trial_layout.h: parameters,
// gradients, RMSprop state, activations, dZ, the epoch's row order, readback slots) plus the
// allocator's rounding. Throws ConfigError for an invalid config.
size_t resident_bytes(const TrialConfig& cfg, const PassShape& shape);

struct MemoryBudget {
  size_t bytes = 0;  // what resident trials may use together
};

// `requested` > 0: that many bytes. Else the executor's free memory (cudaMemGetInfo) less
// 10% and 512 MiB (staging arenas, cuBLAS workspace, fragmentation); executors that cannot
// tell (the host reference) get an unlimited budget.
MemoryBudget plan_budget(Executor& ex, size_t requested);

}  // namespace qrsweep::packed
