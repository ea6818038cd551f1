// The sweep's worker pool (trial_pool.h). A store failure is not the trial's fault: it
// stops the whole pool instead of being recorded as a failed trial.
#include "sweep/trial_pool.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>

#include "qrsweep/common.h"
#include "qrsweep/trainer.h"

namespace qrsweep::sweep_detail {

TrialRecord finished_record(const TrialConfig& cfg, const std::string& backend,
                            const TrialResult& r, const std::optional<std::string>& error,
                            double seconds) {
  TrialRecord rec;
  rec.config = cfg;
  rec.backend = backend;
  if (error) {
    rec.status = TrialStatus::kFailed;
    rec.error = *error;
    rec.stop_reason = "error";
  } else {
    rec.status = r.reason == StopReason::kDiverged ? TrialStatus::kDiverged : TrialStatus::kDone;
    rec.stop_reason = stop_reason_name(r.reason);
  }
  rec.min_val_loss = r.min_val_loss;
  rec.min_val_loss_epoch = r.min_val_loss_epoch;
  rec.max_val_accuracy = r.max_val_accuracy;
  rec.max_val_accuracy_epoch = r.max_val_accuracy_epoch;
  rec.epochs_run = static_cast<int>(r.history.size());
  rec.steps = r.steps;
  rec.seconds = seconds;
  return rec;
}

std::function<void(const EpochMetrics&)> epoch_writer(StoreQueue& commits, const PoolContext& ctx,
                                                      const TrialConfig& cfg, TrialResult* seen) {
  return [&commits, &ctx, &cfg, seen](const EpochMetrics& m) {
    if (commits.failed()) throw StoreAbort{};
    commits.post(TrialWrite::epoch_row(cfg.index, m));
    seen->history.push_back(m);
    ctx.progress->epoch_done(cfg.index, m);
    if (ctx.after_epoch) ctx.after_epoch(cfg, m);
  };
}

void post_requeue(StoreQueue& commits, const PoolContext& ctx, int trial,
                  std::atomic<int>* requeued) {
  commits.post(TrialWrite::requeue(trial), [&ctx, requeued, trial] {
    ctx.progress->trial_requeued(trial);
    ++*requeued;
  });
}

PoolResult run_workers(int jobs, const std::function<void()>& work, StoreQueue& commits) {
  std::vector<std::thread> workers;
  for (int j = 0; j < std::max(1, jobs); ++j) workers.emplace_back(work);
  for (auto& w : workers) w.join();
  PoolResult r;
  // Everything handed over is committed (and reported) before the sweep reads the store.
  const auto t0 = std::chrono::steady_clock::now();
  r.fatal = commits.drain();
  r.store_wait_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

class Pool {
 public:
  Pool(const std::vector<TrialConfig>& pending, const PoolContext& ctx)
      : pending_(pending), ctx_(ctx), commits_(*ctx.store, ctx.commits) {}

  PoolResult run() {
    const int jobs = std::min<int>(ctx_.jobs, static_cast<int>(pending_.size()));
    PoolResult r = run_workers(jobs, [this] { work(); }, commits_);
    r.finished = finished_.load();
    r.requeued = requeued_.load();
    return r;
  }

 private:
  bool stopping() const {
    return commits_.failed() || (ctx_.stop_requested && ctx_.stop_requested());
  }

  void work() {
    for (;;) {
      if (stopping()) return;
      const size_t k = next_.fetch_add(1);
      if (k >= pending_.size()) return;
      run_one(pending_[k]);
    }
  }

  void run_one(const TrialConfig& cfg) {
    const std::string backend = ctx_.backend->name();
    commits_.post(TrialWrite::start(cfg.index, backend));
    ctx_.progress->trial_started(cfg.index);
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<std::string> error;
    TrialResult seen;  // the epochs stored so far, for a trial that fails midway
    try {
      std::unique_ptr<TrialSession> session;
      {
        // Backends need not open sessions from several threads at once.
        std::lock_guard<std::mutex> lock(open_mu_);
        session = ctx_.backend->open(cfg, ctx_.fit);
      }
      TrainOptions opt;
      opt.should_stop = [this] { return stopping(); };
      opt.on_epoch = epoch_writer(commits_, ctx_, cfg, &seen);
      TrialResult r = train_trial(*session, cfg, ctx_.fit, ctx_.val, opt);
      if (r.reason == StopReason::kInterrupted) {
        post_requeue(commits_, ctx_, cfg.index, &requeued_);
        return;
      }
      seen = std::move(r);
    } catch (const StoreAbort&) {
      return;  // the store failed: the trial is rerun on resume
    } catch (const std::bad_alloc&) {
      error = "out of memory (std::bad_alloc): the trial's network or batch is too large";
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error) summarize_history(seen);
    const TrialRecord rec = finished_record(
        cfg, backend, seen, error,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    // Reported finished once its row is committed, not before.
    commits_.post(TrialWrite::finish(rec), [this, rec] {
      ctx_.progress->trial_finished(rec);
      ++finished_;
    });
  }

  const std::vector<TrialConfig>& pending_;
  const PoolContext& ctx_;
  std::atomic<size_t> next_{0};
  std::atomic<int> finished_{0}, requeued_{0};
  std::mutex open_mu_;
  StoreQueue commits_;  // last: its thread runs callbacks that use the members above
};

}  // namespace

std::string describe_packed(const PackedStats& s) {
  std::string line = "packed scheduler: " + std::to_string(s.rounds) + " rounds, at most " +
                     std::to_string(s.peak_resident) + " trials resident, " +
                     std::to_string(s.launches) + " grouped launches in " +
                     std::to_string(s.steps) + " steps";
  if (s.steps > 0 && s.graph_replays > 0) {
    line += " (" + std::to_string(100 * s.graph_replays / s.steps) + "% replayed from " +
            std::to_string(s.graph_captures) + " CUDA Graphs)";
  }
  return line;
}

PoolResult run_trials(const std::vector<TrialConfig>& pending, const PoolContext& ctx) {
  return Pool(pending, ctx).run();
}

PoolResult run_packed_pool(const std::vector<TrialConfig>& pending, PackedOptions opt,
                           const PoolContext& ctx, StoreQueue& commits) {
  PoolResult res;
  opt.max_resident = ctx.max_resident;
  if (!opt.should_stop)
    opt.should_stop = [&] {
      return commits.failed() || (ctx.stop_requested && ctx.stop_requested());
    };
  opt.on_epoch = [&](const TrialConfig& cfg, const EpochMetrics& m) {
    if (commits.failed()) throw Error("the store failed; the sweep stops");
    commits.post(TrialWrite::epoch_row(cfg.index, m));
    ctx.progress->epoch_done(cfg.index, m);
    if (ctx.after_epoch) ctx.after_epoch(cfg, m);
  };
  try {
    res.packed = ctx.backend->packed()->run(pending, ctx.fit, ctx.val, opt);
  } catch (...) {
    // The device stopped working (or a callback failed outside any trial): what is
    // stored stays; the unfinished trials are restarted on resume.
    res.fatal = std::current_exception();
  }
  // Everything handed over is committed before the sweep reads the store again; a store
  // failure is the first cause to report.
  const auto t0 = std::chrono::steady_clock::now();
  if (std::exception_ptr e = commits.drain()) res.fatal = e;
  res.store_wait_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

PoolResult run_packed_trials(const std::vector<TrialConfig>& pending, const PoolContext& ctx) {
  using Clock = std::chrono::steady_clock;
  const std::string backend = ctx.backend->name();
  std::atomic<int> finished{0}, requeued{0};  // counted on the writer's thread
  // Commits run behind the scheduler, many to a transaction: the GPU keeps training while a
  // batch is fsynced. A failed commit stops the run at the next round boundary.
  StoreQueue commits(*ctx.store, ctx.commits);
  std::map<int, Clock::time_point> started;
  auto start = [&](const TrialConfig& cfg) {
    if (started.count(cfg.index)) return;
    commits.post(TrialWrite::start(cfg.index, backend));
    started[cfg.index] = Clock::now();
    ctx.progress->trial_started(cfg.index);
  };
  PackedOptions opt;
  opt.on_start = start;
  opt.on_finish = [&](const TrialConfig& cfg, const TrialResult& r, const std::string& error) {
    start(cfg);  // a trial refused at admission (too large) was never resident
    if (commits.failed()) return;
    if (error.empty() && r.reason == StopReason::kInterrupted) {
      post_requeue(commits, ctx, cfg.index, &requeued);
      return;
    }
    const TrialRecord rec = finished_record(
        cfg, backend, r, error.empty() ? std::nullopt : std::optional<std::string>(error),
        std::chrono::duration<double>(Clock::now() - started[cfg.index]).count());
    // Reported finished once its row is committed, not before.
    commits.post(TrialWrite::finish(rec), [&ctx, &finished, rec] {
      ctx.progress->trial_finished(rec);
      ++finished;
    });
  };
  PoolResult res = run_packed_pool(pending, std::move(opt), ctx, commits);
  res.finished = finished.load();
  res.requeued = requeued.load();
  return res;
}

}  // namespace qrsweep::sweep_detail
