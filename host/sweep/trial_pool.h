// The worker pool that trains a sweep's pending trials K at a time, one TrialSession per
// worker (or all at once through a backend's packed scheduler), handing every epoch and
// every finished trial to the store as it happens.
#pragma once
#include <atomic>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/backend.h"
#include "qrsweep/space.h"
#include "qrsweep/store.h"
#include "sweep/progress.h"
#include "sweep/store_queue.h"

namespace qrsweep::sweep_detail {

struct PoolContext {
  std::string sweep_dir;  // halving: where paused trials are kept (pause_file.h)
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

// The stored record of a trial that left training: failed with `error` when there is one,
// else done or diverged by `r`'s stop reason. `r`'s summary columns are set
// (summarize_history).
TrialRecord finished_record(const TrialConfig& cfg, const std::string& backend,
                            const TrialResult& r, const std::optional<std::string>& error,
                            double seconds);

// Thrown through train_trial when the store failed; never escapes a pool.
struct StoreAbort {};

// A pool's TrainOptions::on_epoch for `cfg`: throws StoreAbort once the store failed, else
// hands the epoch row to `commits`, appends it to `seen` (the epochs of a trial that may
// fail midway), tells the progress and calls ctx.after_epoch.
std::function<void(const EpochMetrics&)> epoch_writer(StoreQueue& commits, const PoolContext& ctx,
                                                      const TrialConfig& cfg, TrialResult* seen);

// A trial a stop interrupted goes back to queued (its epochs dropped) once committed, then
// the progress hears of it and `requeued` counts it.
void post_requeue(StoreQueue& commits, const PoolContext& ctx, int trial,
                  std::atomic<int>* requeued);

// One line about a packed run for the sweep's log: rounds, peak residency, graph replays.
std::string describe_packed(const PackedStats& s);

// Trains `pending` (in order, `jobs` at a time) until all are finished, a stop is
// requested, or the store fails. An exception inside a trial marks that trial failed and
// the pool goes on; a NaN or infinite loss ends it as diverged. Every write goes through
// one StoreQueue, drained before the call returns; a trial is reported finished (progress,
// PoolResult::finished) once its row is committed.
PoolResult run_trials(const std::vector<TrialConfig>& pending, const PoolContext& ctx);

// The CPU pools' run: `jobs` threads each call `work` until it returns, then every write
// handed to `commits` is committed before the result's fatal error and store wait are set
// (the caller adds its counts).
PoolResult run_workers(int jobs, const std::function<void()>& work, StoreQueue& commits);

// The same through the backend's packed scheduler (ctx.backend->packed() must be set): every
// pending trial at once as far as memory and ctx.max_resident allow, with the same store
// commits, progress lines, requeue on a stop (at the next round boundary) and failure rules.
PoolResult run_packed_trials(const std::vector<TrialConfig>& pending, const PoolContext& ctx);

// The packed scheduler's run behind both packed pools: `opt` (the pool's on_start,
// on_finish and, for halving, next_piece and on_pause) completed with ctx.max_resident, a
// should_stop (unless set: the store failed or a stop was asked for) and an on_epoch that
// posts each epoch row and tells the progress; then `pending` and the pieces trained.
// The device stopping is the result's fatal error; `commits` is drained before it returns.
PoolResult run_packed_pool(const std::vector<TrialConfig>& pending, PackedOptions opt,
                           const PoolContext& ctx, StoreQueue& commits);

// Successive halving (halving.h, docs/sweep.md#successive-halving) over `trials`, the store's
// rows (whole cohorts of `space`'s schedule): the finished ones' epochs are read back, paused
// ones continue from ctx.sweep_dir's files, and `jobs` workers train whatever the cohorts'
// decisions allow, halving trials as rungs are decided. The same store writes, progress,
// requeue on a stop and failure rules as run_trials.
PoolResult run_halving_trials(const std::vector<TrialRecord>& trials, const SearchSpace& space,
                              const PoolContext& ctx);
// The same through the backend's packed scheduler (ctx.backend->packed() must be set): the
// pieces the decisions allow are trained at once as far as memory and ctx.max_resident
// allow; a piece that pauses at a rung leaves the device (its state written to its paused
// file) and its room goes to the next piece. The same decisions and tables as the pool.
PoolResult run_packed_halving_trials(const std::vector<TrialRecord>& trials,
                                     const SearchSpace& space, const PoolContext& ctx);

}  // namespace qrsweep::sweep_detail
