// The schedules' rungs and cohorts (space.h, docs/space.md#schedule): the arithmetic the
// plan's shards, the sweep's decisions and the export share.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "qrsweep/space.h"

namespace qrsweep {

namespace {

// eta^k, or `cap` once it passes `cap`.
int64_t power_capped(int eta, size_t k, int64_t cap) {
  int64_t n = 1;
  for (size_t i = 0; i < k && n <= cap; ++i) n *= eta;
  return std::min(n, cap);
}

// Hyperband's bracket b of R + 1: ceil((R + 1) / (R + 1 - b)) * eta^(R - b) trials, at most
// `cap`.
int64_t bracket_size(const Schedule& s, size_t rungs_below, size_t b, int64_t cap) {
  const int64_t brackets = static_cast<int64_t>(rungs_below) + 1;
  const int64_t halvings = brackets - static_cast<int64_t>(b);
  const int64_t copies = (brackets + halvings - 1) / halvings;
  return std::min(cap, copies * power_capped(s.eta, static_cast<size_t>(halvings - 1), cap));
}

}  // namespace

std::vector<int> schedule_rungs(const Schedule& s, int max_epochs) {
  std::vector<int> rungs;
  if (s.kind != ScheduleKind::kFull && s.min_epochs >= 1 && s.eta >= 2)
    for (int64_t r = s.min_epochs; r < max_epochs; r *= s.eta) rungs.push_back(static_cast<int>(r));
  rungs.push_back(max_epochs);
  return rungs;
}

int cohort_size(const Schedule& s, int max_epochs, int trials) {
  if (s.kind == ScheduleKind::kFull) return trials;
  const size_t below = schedule_rungs(s, max_epochs).size() - 1;
  if (s.kind == ScheduleKind::kHyperband)
    return static_cast<int>(bracket_size(s, below, 0, std::max(trials, 1)));
  if (s.cohort > 0) return std::min(s.cohort, trials);
  return static_cast<int>(power_capped(s.eta, below, std::max(trials, 1)));
}

Cohort cohort_of(const Schedule& s, int max_epochs, int trials, int index) {
  Cohort c;
  if (s.kind == ScheduleKind::kFull) {
    c.number = c.first = index;
    c.size = 1;
    return c;
  }
  if (s.kind == ScheduleKind::kHalving) {
    const int size = std::max(1, cohort_size(s, max_epochs, trials));
    c.number = index / size;
    c.first = c.number * size;
    c.size = std::min(size, trials - c.first);
    return c;
  }
  const size_t below = schedule_rungs(s, max_epochs).size() - 1;
  const int64_t cap = std::max(trials, 1);
  std::vector<int64_t> sizes;
  int64_t period = 0;
  for (size_t b = 0; b <= below; ++b) {
    sizes.push_back(bracket_size(s, below, b, cap));
    period += sizes.back();
  }
  const int64_t cycle = index / period;
  int64_t at = cycle * period;
  for (size_t b = 0; b <= below; ++b) {
    if (index < at + sizes[b]) {
      c.number = static_cast<int>(cycle * static_cast<int64_t>(below + 1) + b);
      c.first = static_cast<int>(at);
      c.size = static_cast<int>(std::min<int64_t>(sizes[b], trials - at));
      c.first_rung = static_cast<int>(b);
      return c;
    }
    at += sizes[b];
  }
  return c;  // not reached: index < at + period
}

}  // namespace qrsweep
