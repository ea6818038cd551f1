// Picking the best trial (docs/sweep.md#qrsweep-sweep, step 5): the lowest Min val loss, as the
// notebook's sort_values(by=['Min val loss']).head(1), restricted to trials that finished cleanly.
#include <cmath>

#include "qrsweep/sweep.h"

namespace qrsweep {

std::optional<TrialRecord> select_best(const std::vector<TrialRecord>& trials) {
  const TrialRecord* best = nullptr;
  for (const TrialRecord& t : trials) {
    if (t.status != TrialStatus::kDone || !std::isfinite(t.min_val_loss)) continue;
    if (t.max_val_accuracy_epoch < 1) continue;  // nothing to retrain for
    if (!best || t.min_val_loss < best->min_val_loss ||
        (t.min_val_loss == best->min_val_loss && t.config.index < best->config.index))
      best = &t;
  }
  if (!best) return std::nullopt;
  return *best;
}

}  // namespace qrsweep
