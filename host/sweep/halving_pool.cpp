// Successive halving's pool (trial_pool.h, run_halving_trials and run_packed_halving_trials):
// the next piece of training the cohorts' decisions (halving.h) allow goes, lowest cohort
// first, to a worker's session or to the packed scheduler (which trains every piece it can
// fit at once, refilling as pieces pause or end), so a cohort waiting for its last trials at
// a rung leaves the cores or the device to the next cohorts. A piece ends at a rung (the
// trial is paused: its file written, pause_file.h) or at the trial's end (its row
// committed). Decisions read only the trials' epochs, so they are the same for any job
// count, packing or resident cap, and after any restart.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/trainer.h"
#include "sweep/halving.h"
#include "sweep/pause_file.h"
#include "sweep/trial_pool.h"

namespace qrsweep::sweep_detail {

namespace {

struct Slot {
  TrialConfig cfg;
  TrialResult so_far;    // epochs and steps trained (paused trials: as in their file)
  bool ended = false;    // finished (stored, or handed to the store's writer)
  bool running = false;  // a worker trains it now
  // Its start is written in this run: from then on the progress counts it running, paused
  // or not, until its row is committed.
  bool started = false;
};

// A cohort (space.h): its slots and the rungs it is halved over (hyperband's brackets start
// at later rungs; decide() counts from the first of them).
struct CohortSlots {
  int number = 0;
  int first_rung = 0;  // index into the schedule's rungs of rungs.front()
  std::vector<int> rungs;
  std::vector<size_t> members;
};

// A piece of training: trial slot `slot` on to `epochs` epochs.
struct Piece {
  size_t slot = 0;
  int epochs = 0;
};

class HalvingPool {
 public:
  HalvingPool(const std::vector<TrialRecord>& trials, const SearchSpace& space,
              const PoolContext& ctx)
      : ctx_(ctx),
        rungs_(schedule_rungs(space.schedule, space.max_epochs)),
        eta_(space.schedule.eta),
        commits_(*ctx.store, ctx.commits) {
    for (const TrialRecord& t : trials) {
      Slot s;
      s.cfg = t.config;
      const Cohort cohort =
          cohort_of(space.schedule, space.max_epochs, space.trials, t.config.index);
      if (cohorts_.empty() || cohorts_.back().number != cohort.number) {
        CohortSlots c;
        c.number = cohort.number;
        c.first_rung = cohort.first_rung;
        c.rungs.assign(rungs_.begin() + cohort.first_rung, rungs_.end());
        cohorts_.push_back(std::move(c));
      }
      cohorts_.back().members.push_back(slots_.size());
      slot_of_[t.config.index] = slots_.size();
      if (is_finished(t.status)) {
        s.ended = true;
        s.so_far.history = ctx.store->epochs(t.config.index);
        s.so_far.steps = t.steps;
      } else {
        resume_paused(s, cohorts_.back().rungs);
      }
      slots_.push_back(std::move(s));
    }
  }

  PoolResult run() {
    return counted(run_workers(ctx_.jobs, [this] { work(); }, commits_));
  }

  // Through the backend's packed scheduler: it pulls pieces (next_packed_piece) while it has
  // room and reports their pauses and ends here.
  PoolResult run_packed() {
    PackedOptions opt;
    opt.should_stop = [this] { return stopping(); };
    opt.next_piece = [this] { return next_packed_piece(); };
    opt.on_start = [this](const TrialConfig& cfg) { mark_started(slot(cfg)); };
    opt.on_pause = [this](const TrialConfig& cfg, const TrialResult& r, const Weights& w,
                          const std::vector<float>& optimizer) {
      Slot& s = slot(cfg);
      save_pause(s, r, w, optimizer);
      std::lock_guard<std::mutex> lock(mu_);
      s.running = false;
      --running_;
    };
    opt.on_finish = [this](const TrialConfig& cfg, const TrialResult& r,
                           const std::string& error) {
      Slot& s = slot(cfg);
      mark_started(s);  // a piece refused at admission never became resident
      {
        std::lock_guard<std::mutex> lock(mu_);
        s.running = false;
        --running_;
      }
      if (error.empty() && r.reason == StopReason::kInterrupted) {
        post_requeue(commits_, ctx_, cfg.index, &requeued_);
        return;
      }
      end_trial(s, r, error.empty() ? std::nullopt : std::optional<std::string>(error));
    };
    return counted(run_packed_pool({}, std::move(opt), ctx_, commits_));
  }

 private:
  PoolResult counted(PoolResult r) const {
    if (!r.fatal) r.fatal = fatal_;
    r.finished = finished_;
    r.requeued = requeued_;
    return r;
  }

  Slot& slot(const TrialConfig& cfg) { return slots_[slot_of_.at(cfg.index)]; }

  bool stopping() const {
    return fatal_seen_ || commits_.failed() || (ctx_.stop_requested && ctx_.stop_requested());
  }

  // A paused trial's file, read back at the start of a run: its epochs go back into the
  // store (a restart cleared them, Store::reset_unfinished) and training continues from it.
  void resume_paused(Slot& s, const std::vector<int>& rungs) {
    std::string problem;
    const int index = s.cfg.index;
    std::optional<PausedTrial> p =
        read_paused(ctx_.sweep_dir, index, s.cfg.widths(ctx_.fit.dim, ctx_.fit.classes), &problem);
    const int epochs = p ? static_cast<int>(p->so_far.history.size()) : 0;
    if (p && std::find(rungs.begin(), rungs.end() - 1, epochs) == rungs.end() - 1)
      problem = paused_path(ctx_.sweep_dir, index) + " is paused at epoch " +
                std::to_string(epochs) + ", which is no rung of this schedule";
    if (!problem.empty()) {
      ctx_.progress->message("qrsweep sweep: " + problem + "; trial " + std::to_string(index) +
                             " trains from its start again");
      remove_paused(ctx_.sweep_dir, index);
      return;
    }
    if (!p) return;
    s.so_far = std::move(p->so_far);
    s.started = true;
    commits_.post(TrialWrite::start(index, ctx_.backend->name()));
    ctx_.progress->trial_started(index);
    for (const EpochMetrics& m : s.so_far.history) commits_.post(TrialWrite::epoch_row(index, m));
  }

  void work() {
    for (;;) {
      std::optional<Piece> piece;
      {
        std::unique_lock<std::mutex> lock(mu_);
        for (;;) {
          if (stopping()) break;
          piece = next_piece();
          if (piece || running_ == 0) break;
          cv_.wait(lock);
        }
        if (!piece) {
          cv_.notify_all();  // no work anywhere: let the other workers see it
          return;
        }
        slots_[piece->slot].running = true;
        ++running_;
      }
      train(*piece);
      {
        std::lock_guard<std::mutex> lock(mu_);
        slots_[piece->slot].running = false;
        --running_;
      }
      cv_.notify_all();
    }
  }

  // The packed scheduler's next piece: a trial from its start or from its pause file (one
  // whose file cannot be read back fails, as on a worker), marked running until it pauses
  // or ends; nullopt while nothing is trainable or once the sweep stops.
  std::optional<PackedPiece> next_packed_piece() {
    for (;;) {
      std::optional<Piece> piece;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping()) return std::nullopt;
        piece = next_piece();
        if (!piece) return std::nullopt;
        slots_[piece->slot].running = true;
        ++running_;
      }
      Slot& s = slots_[piece->slot];
      PackedPiece p;
      p.config = s.cfg;
      p.pause_after = piece->epochs < s.cfg.max_epochs ? piece->epochs : -1;
      if (s.so_far.history.empty()) return p;
      try {
        PausedTrial paused = read_pause(s);
        p.so_far = std::make_shared<const TrialResult>(s.so_far);
        p.weights = std::move(paused.weights);
        p.optimizer = std::move(paused.optimizer);
        return p;
      } catch (const std::exception& e) {
        mark_started(s);
        {
          std::lock_guard<std::mutex> lock(mu_);
          s.running = false;
          --running_;
        }
        end_trial(s, s.so_far, std::string(e.what()));
      }
    }
  }

  // Under mu_: the first trainable piece, cohort by cohort; halves on the way every trial
  // its cohort's decided rungs stop.
  std::optional<Piece> next_piece() {
    for (size_t c = first_open_; c < cohorts_.size(); ++c) {
      const CohortSlots& cohort = cohorts_[c];
      const std::vector<size_t>& members = cohort.members;
      std::vector<halving::TrialState> states;
      bool open = false;
      for (size_t i : members) {
        const Slot& s = slots_[i];
        halving::TrialState st;
        st.index = s.cfg.index;
        st.ended = s.ended;
        for (const EpochMetrics& m : s.so_far.history) st.val_losses.push_back(m.val_loss);
        states.push_back(std::move(st));
        open = open || !s.ended;
      }
      if (!open) {
        if (c == first_open_) ++first_open_;
        continue;
      }
      const std::vector<halving::Decision> d = halving::decide(cohort.rungs, eta_, states);
      std::map<int, int> halved;  // rung (the schedule's) -> trials halved there now
      for (size_t j = 0; j < members.size(); ++j)
        if (d[j].action == halving::Action::kHalve) {
          halve(slots_[members[j]], d[j].rung + cohort.first_rung);
          ++halved[d[j].rung + cohort.first_rung];
        }
      for (const auto& [rung, count] : halved) {
        // A rung just decided: its promoted trials are those now headed for the next one.
        int going_on = 0;
        for (const halving::Decision& x : d)
          going_on += x.action == halving::Action::kTrain && x.rung + cohort.first_rung == rung + 1;
        const std::string at =
            std::to_string(rungs_[rung]) + (rungs_[rung] == 1 ? " epoch" : " epochs");
        ctx_.progress->message(
            "qrsweep sweep: cohort " + std::to_string(cohort.number) + ", rung " +
            std::to_string(rung) + " (" + at + "): " + std::to_string(count) + " halved, " +
            std::to_string(going_on) + " go on to " + std::to_string(rungs_[rung + 1]) + " epochs");
      }
      for (size_t j = 0; j < members.size(); ++j)
        if (d[j].action == halving::Action::kTrain && !slots_[members[j]].running)
          return Piece{members[j], d[j].epochs};
    }
    return std::nullopt;
  }

  // Under mu_: ends a paused trial at rung `rung`.
  void halve(Slot& s, int rung) {
    s.ended = true;
    TrialResult r = s.so_far;
    summarize_history(r);
    TrialRecord rec = finished_record(s.cfg, ctx_.backend->name(), r, std::nullopt, seconds(r));
    rec.stop_reason = halving::halved_reason(rung);
    finish(rec);
  }

  static double seconds(const TrialResult& r) {
    double t = 0;
    for (const EpochMetrics& m : r.history) t += m.seconds;
    return t;
  }

  // Hands a finished trial's row to the store; its paused file goes once that is committed.
  void finish(const TrialRecord& rec) {
    commits_.post(TrialWrite::finish(rec), [this, rec] {
      remove_paused(ctx_.sweep_dir, rec.config.index);
      ctx_.progress->trial_finished(rec);
      ++finished_;
    });
  }

  // Outside mu_: trains one piece. Only this worker touches the slot's training state
  // while it is running (slot.running); the results go back under mu_.
  // Posts a trial's start the first time one of its pieces starts in this run.
  void mark_started(Slot& s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (s.started) return;
      s.started = true;
    }
    commits_.post(TrialWrite::start(s.cfg.index, ctx_.backend->name()));
    ctx_.progress->trial_started(s.cfg.index);
  }

  // A paused trial's state, read back from its file; throws Error when it cannot be.
  PausedTrial read_pause(const Slot& s) const {
    const TrialConfig& cfg = s.cfg;
    std::string problem;
    std::optional<PausedTrial> p = read_paused(ctx_.sweep_dir, cfg.index,
                                               cfg.widths(ctx_.fit.dim, ctx_.fit.classes), &problem);
    if (!p || p->so_far.history.size() != s.so_far.history.size())
      throw Error("its paused state cannot be read back: " +
                  (problem.empty() ? paused_path(ctx_.sweep_dir, cfg.index) + " is missing" : problem));
    return std::move(*p);
  }

  // A piece paused at its rung: its file written, then its epochs kept in the slot. A file
  // that cannot be written (a full disk) is not the trial's fault: the sweep stops and the
  // trial goes back to its last pause on resume.
  void save_pause(Slot& s, const TrialResult& r, const Weights& w,
                  const std::vector<float>& optimizer) {
    PausedTrial p;
    p.trial = s.cfg.index;
    p.so_far = r;
    p.weights = w;
    p.optimizer = optimizer;
    try {
      if (p.optimizer.empty())
        throw Error("the " + ctx_.backend->name() + " backend cannot pause a trial (no optimizer state)");
      write_paused(ctx_.sweep_dir, p);
    } catch (const Error&) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!fatal_) fatal_ = std::current_exception();
      fatal_seen_ = true;
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    s.so_far = r;
  }

  // A trial's end, from `seen` (its epochs) and `error`: its row handed to the store.
  void end_trial(Slot& s, TrialResult seen, const std::optional<std::string>& error) {
    if (error) summarize_history(seen);
    const TrialRecord rec = finished_record(s.cfg, ctx_.backend->name(), seen, error, seconds(seen));
    std::lock_guard<std::mutex> lock(mu_);
    s.so_far = std::move(seen);
    s.ended = true;
    finish(rec);
  }

  void train(const Piece& piece) {
    Slot& slot = slots_[piece.slot];
    const TrialConfig& cfg = slot.cfg;
    mark_started(slot);
    std::optional<std::string> error;
    TrialResult seen = slot.so_far;
    std::optional<TrialResult> done;
    try {
      std::unique_ptr<TrialSession> session;
      {
        std::lock_guard<std::mutex> lock(open_mu_);
        session = ctx_.backend->open(cfg, ctx_.fit);
      }
      if (!slot.so_far.history.empty()) {
        const PausedTrial p = read_pause(slot);
        session->set_weights(p.weights);
        session->set_optimizer_state(p.optimizer);
      }
      TrainOptions opt;
      opt.should_stop = [this] { return stopping(); };
      opt.resume = &slot.so_far;
      opt.pause_after = piece.epochs < cfg.max_epochs ? piece.epochs : -1;
      opt.on_epoch = epoch_writer(commits_, ctx_, cfg, &seen);
      TrialResult r = train_trial(*session, cfg, ctx_.fit, ctx_.val, opt);
      if (r.reason == StopReason::kInterrupted) {
        // Back to its last pause (or its start) on resume: the store drops its epochs, the
        // resumed run writes the paused ones back.
        post_requeue(commits_, ctx_, cfg.index, &requeued_);
        return;
      }
      if (r.reason == StopReason::kPaused) {
        save_pause(slot, r, session->weights(), session->optimizer_state());
        return;
      }
      done = std::move(r);
    } catch (const StoreAbort&) {
      return;
    } catch (const std::bad_alloc&) {
      error = "out of memory (std::bad_alloc): the trial's network or batch is too large";
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (done) seen = std::move(*done);
    end_trial(slot, std::move(seen), error);
  }

  const PoolContext& ctx_;
  const std::vector<int> rungs_;
  const int eta_;
  std::vector<Slot> slots_;
  std::vector<CohortSlots> cohorts_;  // in plan order
  std::map<int, size_t> slot_of_;     // the plan's index -> slots_
  size_t first_open_ = 0;             // cohorts before it have every trial ended
  std::mutex mu_, open_mu_;
  std::condition_variable cv_;
  int running_ = 0;
  std::exception_ptr fatal_;  // a paused trial's file could not be written
  std::atomic<bool> fatal_seen_{false};
  std::atomic<int> finished_{0}, requeued_{0};
  StoreQueue commits_;  // last: its thread runs callbacks that use the members above
};

}  // namespace

PoolResult run_halving_trials(const std::vector<TrialRecord>& trials, const SearchSpace& space,
                              const PoolContext& ctx) {
  return HalvingPool(trials, space, ctx).run();
}

PoolResult run_packed_halving_trials(const std::vector<TrialRecord>& trials,
                                     const SearchSpace& space, const PoolContext& ctx) {
  return HalvingPool(trials, space, ctx).run_packed();
}

}  // namespace qrsweep::sweep_detail
