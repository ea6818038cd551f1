// The worker pool that trains a sweep's pending trials K at a time, one TrialSession per
// worker, handing every epoch and every finished trial to the store as it happens.
#pragma once
#include <exception>
#include <functional>
#include <vector>

#include "qrsweep/backend.h"
#include "qrsweep/store.h"
#include "sweep/progress.h"

namespace qrsweep::sweep_detail {

struct PoolContext {
  Store* store = nullptr;
  Backend* backend = nullptr;
  DatasetView fit, val;
  int jobs = 1;
  Progress* progress = nullptr;
  std::function<bool()> stop_requested;  // a signal asked to stop (polled between epochs)
  std::function<void(const TrialConfig&, const EpochMetrics&)> after_epoch;  // test hook
};

struct PoolResult {
  int finished = 0;  // trials that ended done, diverged or failed
  int requeued = 0;  // trials stopped by a signal and put back in the queue
  // The first store failure (disk full, I/O error): it stopped every worker.
  std::exception_ptr fatal;
};

// Trains `pending` (in order, `jobs` at a time) until all are finished, a stop is
// requested, or the store fails. An exception inside a trial marks that trial failed and
// the pool goes on; a NaN or infinite loss ends it as diverged.
PoolResult run_trials(const std::vector<TrialConfig>& pending, const PoolContext& ctx);

}  // namespace qrsweep::sweep_detail
