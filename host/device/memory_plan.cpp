// resident_bytes and plan_budget (memory_plan.h): a resident trial is one allocation of its
// layout's bytes, so the plan is what the trial will ask of the allocator.
#include "device/memory_plan.h"

#include <algorithm>
#include <limits>

#include "core/trial_layout.h"

namespace qrsweep::packed {
namespace {

constexpr size_t kAllocGranule = 512;  // cudaMalloc rounds small blocks up to this and more
constexpr size_t kFixedMargin = size_t(512) << 20;

}  // namespace

size_t resident_bytes(const TrialConfig& cfg, const PassShape& shape) {
  const TrialLayout layout(cfg, shape.dim, shape.classes, resident_arena(cfg, shape));
  // One allocation, rounded up as cudaMalloc rounds it.
  return (std::max<size_t>(layout.bytes(), 1) + kAllocGranule - 1) / kAllocGranule * kAllocGranule;
}

MemoryBudget plan_budget(Executor& ex, size_t requested) {
  MemoryBudget b;
  if (requested > 0) {
    b.bytes = requested;
    return b;
  }
  size_t free_bytes = 0, total_bytes = 0;
  if (!ex.memory_info(&free_bytes, &total_bytes)) {
    b.bytes = std::numeric_limits<size_t>::max();
    return b;
  }
  const size_t usable = free_bytes - free_bytes / 10;
  b.bytes = usable > kFixedMargin ? usable - kFixedMargin : 0;
  return b;
}

}  // namespace qrsweep::packed
