// The sweep's worker pool (trial_pool.h). A store failure is not the trial's fault: it
// stops the whole pool instead of being recorded as a failed trial.
#include "sweep/trial_pool.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <new>
#include <thread>

#include "qrsweep/common.h"
#include "qrsweep/trainer.h"
#include "sweep/store_queue.h"

namespace qrsweep::sweep_detail {

namespace {

// Thrown through train_trial when storing an epoch failed; never escapes the pool.
struct StoreAbort {};

class Pool {
 public:
  Pool(const std::vector<TrialConfig>& pending, const PoolContext& ctx)
      : pending_(pending), ctx_(ctx) {}

  PoolResult run() {
    const int jobs = std::max(1, std::min<int>(ctx_.jobs, static_cast<int>(pending_.size())));
    std::vector<std::thread> workers;
    for (int j = 0; j < jobs; ++j) workers.emplace_back([this] { work(); });
    for (auto& w : workers) w.join();
    PoolResult r;
    r.finished = finished_.load();
    r.requeued = requeued_.load();
    r.fatal = fatal_;
    return r;
  }

 private:
  bool stopping() const { return abort_.load() || (ctx_.stop_requested && ctx_.stop_requested()); }

  template <class F>
  bool store_call(F&& f) {
    try {
      f();
      return true;
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!fatal_) fatal_ = std::current_exception();
      abort_ = true;
      return false;
    }
  }

  void work() {
    for (;;) {
      if (stopping()) return;
      const size_t k = next_.fetch_add(1);
      if (k >= pending_.size()) return;
      if (!run_one(pending_[k])) return;
    }
  }

  // False when the pool must stop (the store failed).
  bool run_one(const TrialConfig& cfg) {
    Store& store = *ctx_.store;
    const std::string backend = ctx_.backend->name();
    if (!store_call([&] { store.mark_running(cfg.index, backend); })) return false;
    ctx_.progress->trial_started(cfg.index);
    const auto t0 = std::chrono::steady_clock::now();
    TrialRecord rec;
    rec.config = cfg;
    rec.backend = backend;
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
      opt.on_epoch = [&](const EpochMetrics& m) {
        if (!store_call([&] { store.add_epoch(cfg.index, m); })) throw StoreAbort{};
        seen.history.push_back(m);
        ctx_.progress->epoch_done(cfg.index, m);
        if (ctx_.after_epoch) ctx_.after_epoch(cfg, m);
      };
      TrialResult r = train_trial(*session, cfg, ctx_.fit, ctx_.val, opt);
      if (r.reason == StopReason::kInterrupted) {
        if (!store_call([&] { store.requeue(cfg.index); })) return false;
        ctx_.progress->trial_requeued(cfg.index);
        ++requeued_;
        return true;
      }
      seen = std::move(r);
      rec.status =
          seen.reason == StopReason::kDiverged ? TrialStatus::kDiverged : TrialStatus::kDone;
      rec.stop_reason = stop_reason_name(seen.reason);
    } catch (const StoreAbort&) {
      return false;
    } catch (const std::bad_alloc&) {
      rec.status = TrialStatus::kFailed;
      rec.error = "out of memory (std::bad_alloc): the trial's network or batch is too large";
    } catch (const std::exception& e) {
      rec.status = TrialStatus::kFailed;
      rec.error = e.what();
    }
    if (rec.status == TrialStatus::kFailed) {
      rec.stop_reason = "error";
      summarize_history(seen);
    }
    rec.min_val_loss = seen.min_val_loss;
    rec.min_val_loss_epoch = seen.min_val_loss_epoch;
    rec.max_val_accuracy = seen.max_val_accuracy;
    rec.max_val_accuracy_epoch = seen.max_val_accuracy_epoch;
    rec.epochs_run = static_cast<int>(seen.history.size());
    rec.steps = seen.steps;
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!store_call([&] { store.finish_trial(rec); })) return false;
    ctx_.progress->trial_finished(rec);
    ++finished_;
    return true;
  }

  const std::vector<TrialConfig>& pending_;
  const PoolContext& ctx_;
  std::atomic<size_t> next_{0};
  std::atomic<int> finished_{0}, requeued_{0};
  std::atomic<bool> abort_{false};
  std::mutex mu_, open_mu_;
  std::exception_ptr fatal_;
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

PoolResult run_packed_trials(const std::vector<TrialConfig>& pending, const PoolContext& ctx) {
  using Clock = std::chrono::steady_clock;
  PoolResult res;
  Store& store = *ctx.store;
  const std::string backend = ctx.backend->name();
  // Commits run behind the scheduler (one thread, in order): the GPU keeps training while an
  // epoch row is fsynced. A failed commit stops the run at the next round boundary.
  StoreQueue commits;
  std::map<int, Clock::time_point> started;
  auto start = [&](const TrialConfig& cfg) {
    if (started.count(cfg.index)) return;
    commits.post([&store, &backend, index = cfg.index] { store.mark_running(index, backend); });
    started[cfg.index] = Clock::now();
    ctx.progress->trial_started(cfg.index);
  };
  PackedOptions opt;
  opt.max_resident = ctx.max_resident;
  opt.should_stop = [&] {
    return commits.failed() || (ctx.stop_requested && ctx.stop_requested());
  };
  opt.on_start = start;
  opt.on_epoch = [&](const TrialConfig& cfg, const EpochMetrics& m) {
    if (commits.failed()) throw Error("the store failed; the sweep stops");
    commits.post([&store, index = cfg.index, m] { store.add_epoch(index, m); });
    ctx.progress->epoch_done(cfg.index, m);
    if (ctx.after_epoch) ctx.after_epoch(cfg, m);
  };
  opt.on_finish = [&](const TrialConfig& cfg, const TrialResult& r, const std::string& error) {
    start(cfg);  // a trial refused at admission (too large) was never resident
    if (commits.failed()) return;
    if (error.empty() && r.reason == StopReason::kInterrupted) {
      commits.post([&store, index = cfg.index] { store.requeue(index); });
      ctx.progress->trial_requeued(cfg.index);
      ++res.requeued;
      return;
    }
    TrialRecord rec;
    rec.config = cfg;
    rec.backend = backend;
    if (!error.empty()) {
      rec.status = TrialStatus::kFailed;
      rec.error = error;
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
    rec.seconds = std::chrono::duration<double>(Clock::now() - started[cfg.index]).count();
    commits.post([&store, rec] { store.finish_trial(rec); });
    ctx.progress->trial_finished(rec);
    ++res.finished;
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
  if (std::exception_ptr e = commits.drain()) res.fatal = e;
  return res;
}

}  // namespace qrsweep::sweep_detail
