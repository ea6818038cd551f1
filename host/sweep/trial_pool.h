// The worker pool that trains a sweep's pending trials K at a time, one TrialSession per
// worker (or all at once through a backend's packed scheduler), handing every epoch and
// every finished trial to the store as it happens.
#pragma once
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/backend.h"
#include "qrsweep/store.h"
#include "sweep/progress.h"
#include "sweep/store_queue.h"

namespace qrsweep::sweep_detail {

struct PoolContext {
  Store* store = nullptr;
  Backend* backend = nullptr;
  DatasetView fit, val;
  int jobs = 1;
  int max_resident = 0;  // packed path: cap on resident trials (0: as many as fit)
  Progress* progress = nullptr;
  std::function<bool()> stop_requested;  // a signal asked to stop (polled between epochs)
  std::function<void(const TrialConfig&, const EpochMetrics&)> after_epoch;  // test hook
  CommitPolicy commits;  // how the store's writer groups commits (store_queue.h)
};

struct PoolResult {
  int finished = 0;  // trials that ended done, diverged or failed, their rows committed
  int requeued = 0;  // trials stopped by a signal and put back in the queue
  // The first store failure (disk full, I/O error): it stopped every worker.
  std::exception_ptr fatal;
  std::optional<PackedStats> packed;  // the packed path's counters, when it ran to its end
  // How long the run waited, once training was over, for the store's last commits.
  double store_wait_seconds = 0;
};

// One line about a packed run for the sweep's log: rounds, peak residency, graph replays.
std::string describe_packed(const PackedStats& s);

// Trains `pending` (in order, `jobs` at a time) until all are finished, a stop is
// requested, or the store fails. An exception inside a trial marks that trial failed and
// the pool goes on; a NaN or infinite loss ends it as diverged. Every write goes through
// one StoreQueue, drained before the call returns; a trial is reported finished (progress,
// PoolResult::finished) once its row is committed.
PoolResult run_trials(const std::vector<TrialConfig>& pending, const PoolContext& ctx);

// The same through the backend's packed scheduler (ctx.backend->packed() must be set): every
// pending trial at once as far as memory and ctx.max_resident allow, with the same store
// commits, progress lines, requeue on a stop (at the next round boundary) and failure rules.
PoolResult run_packed_trials(const std::vector<TrialConfig>& pending, const PoolContext& ctx);

}  // namespace qrsweep::sweep_detail
