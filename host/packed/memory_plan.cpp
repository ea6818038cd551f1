// resident_bytes and plan_budget (memory_plan.h): the sizes mirror ResidentTrial's
// allocations one for one, so the plan is what the trial will ask of the allocator.
#include "packed/memory_plan.h"

#include "device/step_plan.h"

#include <algorithm>
#include <limits>

namespace qrsweep::packed {
namespace {

constexpr size_t kAllocGranule = 512;  // cudaMalloc rounds small blocks up to this and more
constexpr size_t kFixedMargin = size_t(512) << 20;

size_t block(size_t bytes) {
  return (std::max<size_t>(bytes, 1) + kAllocGranule - 1) / kAllocGranule * kAllocGranule;
}

}  // namespace

size_t resident_bytes(const TrialConfig& cfg, const PassShape& shape) {
  cfg.validate();
  const std::vector<int> widths = cfg.widths(shape.dim, shape.classes);
  const int layers = static_cast<int>(widths.size()) - 1;
  const size_t total = TrialBuffers::param_count(widths);
  size_t bytes = 4 * block(total * sizeof(float));  // params, grads, ms, mom
  const size_t rows = static_cast<size_t>(resident_rows(cfg, shape));
  int maxw = 1;
  for (int k = 0; k < layers; ++k) {
    maxw = std::max(maxw, widths[k + 1]);
    const size_t act = rows * widths[k + 1] * sizeof(float);
    // y, and h where hidden layer k has dropout
    bytes += block(act);
    if (TrialBuffers::has_dropout(cfg, layers, k)) bytes += block(act);
  }
  bytes += 2 * block(rows * maxw * sizeof(float));  // dZ ping-pong
  bytes += block(static_cast<size_t>(std::max(shape.n_train, 1)) * sizeof(uint32_t));
  const size_t steps = std::max<size_t>(
      (static_cast<size_t>(shape.n_train) + cfg.batch_size - 1) / cfg.batch_size, 1);
  bytes += block(steps * sizeof(double)) + block(steps * sizeof(int64_t));
  const size_t chunks = std::max(1, eval_chunks(shape.n_val));
  bytes += block(chunks * sizeof(double)) + block(chunks * sizeof(int64_t));
  return bytes;
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
