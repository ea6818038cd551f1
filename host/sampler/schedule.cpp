// Halving's rungs and cohorts (space.h, docs/space.md#schedule): the arithmetic the plan's
// shards, the sweep's decisions and the export share.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "qrsweep/space.h"

namespace qrsweep {

std::vector<int> schedule_rungs(const Schedule& s, int max_epochs) {
  std::vector<int> rungs;
  if (s.kind == ScheduleKind::kHalving && s.min_epochs >= 1 && s.eta >= 2)
    for (int64_t r = s.min_epochs; r < max_epochs; r *= s.eta) rungs.push_back(static_cast<int>(r));
  rungs.push_back(max_epochs);
  return rungs;
}

int cohort_size(const Schedule& s, int max_epochs, int trials) {
  if (s.kind != ScheduleKind::kHalving) return trials;
  if (s.cohort > 0) return std::min(s.cohort, trials);
  int64_t n = 1;
  const size_t below = schedule_rungs(s, max_epochs).size() - 1;
  for (size_t k = 0; k < below && n < trials; ++k) n *= s.eta;
  return static_cast<int>(std::min<int64_t>(n, trials));
}

}  // namespace qrsweep
