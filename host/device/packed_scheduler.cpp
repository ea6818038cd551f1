// run_packed (packed_scheduler.h). A round: every resident trial takes its steps (each
// sub-step one run_step of device/step_plan.h over the trials that take it), then the trials
// that reached an epoch end are validated together (run_evaluation) and decide, one by one,
// whether to go on; finished trials free their memory and the queue refills it. No reduction
// crosses trials, so a trial's numbers do not depend on its neighbours.
#include "device/packed_scheduler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <string>

#include "core/host_parallel.h"
#include "core/trial_layout.h"
#include "device/device_dataset.h"
#include "device/memory_plan.h"
#include "device/resident_trial.h"
#include "device/step_plan.h"
#include "qrsweep/common.h"

namespace qrsweep::packed {
namespace {

using Clock = std::chrono::steady_clock;

std::string mib(size_t bytes) {
  if (bytes < (size_t(1) << 20)) return std::to_string((bytes + 1023) >> 10) + " KiB";
  return std::to_string((bytes + (size_t(1) << 20) - 1) >> 20) + " MiB";
}

double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

class Scheduler {
 public:
  Scheduler(Executor& ex, const std::vector<TrialConfig>& trials, const DatasetView& train,
            const DatasetView& val, const PackedOptions& opt)
      : ex_(ex), trials_(trials), train_view_(train), val_view_(val), opt_(opt) {}

  PackedStats run() {
    const double t0 = now_s();
    const LaunchStats l0 = ex_.launch_stats();
    if (opt_.max_resident < 0) throw ConfigError("--max-resident must be >= 0 (0: as many as fit)");
    upload_data();
    planned_ = budget_ = plan_budget(ex_, opt_.memory_budget).bytes;
    make_order();
    for (;;) {
      admit();
      if (resident_.empty()) break;
      if (opt_.should_stop && opt_.should_stop()) {
        interrupt_all();
        break;
      }
      round();
      stats_.peak_resident =
          std::max<int>(stats_.peak_resident, static_cast<int>(resident_.size()));
    }
    const LaunchStats l1 = ex_.launch_stats();
    stats_.steps = l1.steps - l0.steps;
    stats_.graph_replays = l1.graph_replays - l0.graph_replays;
    stats_.graph_captures = l1.graph_captures - l0.graph_captures;
    stats_.seconds = now_s() - t0;
    return stats_;
  }

 private:
  void upload_data() {
    if (train_view_.dim < 1 || train_view_.classes < 1 || train_view_.classes > 256)
      throw Error("packed run: training data with dim " + std::to_string(train_view_.dim) +
                  " and " + std::to_string(train_view_.classes) + " classes");
    for (const DatasetView* v : {&train_view_, &val_view_}) check_labels(*v, train_view_.classes);
    if (val_view_.n > 0 && val_view_.dim != train_view_.dim)
      throw Error("packed run: validation rows have another width than the training rows");
    shape_.dim = train_view_.dim;
    shape_.classes = train_view_.classes;
    shape_.n_train = train_view_.n;
    shape_.n_val = val_view_.n;
    train_ = upload_dataset(&ex_, train_view_);
    val_ = upload_dataset(&ex_, val_view_);
  }

  // Admission order: the caller's, or the longest step chains first (so the latency-bound
  // small-batch trials start at once and overlap with everything else).
  void make_order() {
    order_.resize(trials_.size());
    std::iota(order_.begin(), order_.end(), size_t{0});
    if (!opt_.longest_first) return;
    auto steps = [&](size_t i) {
      const int bs = std::max(trials_[i].batch_size, 1);
      return (static_cast<int64_t>(train_view_.n) + bs - 1) / bs;
    };
    std::stable_sort(order_.begin(), order_.end(),
                     [&](size_t a, size_t b) { return steps(a) > steps(b); });
  }

  void finish(const TrialConfig& cfg, TrialResult& r, const std::string& error) {
    summarize_history(r);
    if (opt_.on_finish) opt_.on_finish(cfg, r, error);
  }

  // A piece at its pause: its state read back (one copy of its allocation) and handed over;
  // the caller frees its memory. A readback that fails fails the trial.
  void pause(ResidentTrial& t) {
    summarize_history(t.result);
    Weights w;
    std::vector<float> optimizer;
    try {
      w = t.weights();
      optimizer = t.optimizer_state();
    } catch (const std::exception& e) {
      finish(t.config(), t.result, std::string("its state could not be read back at a pause: ") +
                                       e.what());
      return;
    }
    if (opt_.on_pause) opt_.on_pause(t.config(), t.result, w, optimizer);
  }

  // Computes, on the host's cores, the initial weights and first permutations of the next
  // queued trials that will fit (at most 2 per thread at a time, bounding the memory held),
  // unless the next one's are ready. A trial whose config is invalid is left out: admission
  // computes it again and reports the error.
  void prepare_admissions() {
    if (next_ >= order_.size() || ahead_.count(order_[next_])) return;
    std::vector<size_t> group;
    size_t used = used_;
    size_t resident = resident_.size();
    const size_t most = 2 * static_cast<size_t>(threads_);
    for (size_t j = next_, taken = 0; j < order_.size() && taken < most; ++j) {
      if (opt_.max_resident > 0 && resident >= static_cast<size_t>(opt_.max_resident)) break;
      size_t bytes = 0;
      try {
        bytes = resident_bytes(trials_[order_[j]], shape_);
      } catch (const std::exception&) {
        continue;
      }
      if (bytes > budget_) continue;  // fails at admission without being allocated
      if (used + bytes > budget_) break;
      if (!ahead_.count(order_[j])) group.push_back(order_[j]);  // else ready from before
      used += bytes;
      ++resident;
      ++taken;
    }
    std::vector<Ahead> made(group.size());
    parallel_for(group.size(), threads_, [&](size_t q) {
      const TrialConfig& cfg = trials_[group[q]];
      try {
        cfg.validate();
        made[q].init = init_weights(cfg, shape_.dim, shape_.classes);
        made[q].perm = ResidentTrial::permutation(cfg, 1, shape_.n_train);
        made[q].ok = true;
      } catch (const std::exception&) {  // admission computes it again and reports the error
      }
    });
    for (size_t q = 0; q < group.size(); ++q)
      if (made[q].ok) ahead_[group[q]] = std::move(made[q]);
  }

  // The next work to admit: the list's next trial (`piece` null), then the caller's pieces
  // (PackedOptions::next_piece, pulled once there is room). Null when there is none now.
  const TrialConfig* head(size_t* order, const PackedPiece** piece) {
    if (next_ < order_.size()) {
      *order = order_[next_];
      *piece = nullptr;
      return &trials_[*order];
    }
    if (!pulled_ && opt_.next_piece) {
      pulled_ = opt_.next_piece();
      pulled_order_ = trials_.size() + pieces_++;
    }
    if (!pulled_) return nullptr;
    *order = pulled_order_;
    *piece = &*pulled_;
    return &pulled_->config;
  }
  void pop_head() {
    if (next_ < order_.size())
      ++next_;
    else
      pulled_.reset();
  }

  // A piece's epochs so far, for a trial that fails before it trains on.
  static TrialResult so_far(const PackedPiece* piece) {
    return piece && piece->so_far ? *piece->so_far : TrialResult{};
  }

  // The rule its epoch ends follow (epoch_end, qrsweep/trainer.h).
  EpochRule rule_of(const TrialConfig& cfg, int pause_after) const {
    EpochRule rule = epoch_rule(cfg, opt_.fixed_epochs, true, val_view_.n, -1);
    rule.pause_after = pause_after;
    return rule;
  }

  // A piece's epochs and, when it continues, its state's sizes (the layout's rules), checked
  // before anything is allocated for it: a bad piece fails its trial, not the device.
  void check_piece(const PackedPiece& p, const EpochRule& rule) const {
    const int done = p.so_far ? static_cast<int>(p.so_far->history.size()) : 0;
    if (done >= rule.epochs || (p.pause_after > 0 && p.pause_after <= done))
      throw Error("a piece of trial " + std::to_string(p.config.index) + " continues after " +
                  std::to_string(done) + " of its " + std::to_string(rule.epochs) +
                  " epochs to epoch " + std::to_string(p.pause_after) + ": nothing to train");
    if (done == 0) return;
    const TrialLayout layout(p.config, shape_.dim, shape_.classes);
    std::vector<float> params(layout.param_floats());
    layout.pack(p.weights, params.data());
    layout.check_optimizer_state(p.optimizer.size());
  }

  void admit() {
    size_t i = 0;
    const PackedPiece* piece = nullptr;
    while ((opt_.max_resident == 0 || static_cast<int>(resident_.size()) < opt_.max_resident)) {
      const TrialConfig* head_cfg = head(&i, &piece);
      if (!head_cfg) return;
      const TrialConfig cfg = *head_cfg;  // a copy: pop_head drops a pulled piece
      size_t bytes = 0;
      try {
        bytes = resident_bytes(cfg, shape_);
        if (piece) check_piece(*piece, rule_of(cfg, piece->pause_after));
      } catch (const std::exception& e) {
        TrialResult r = so_far(piece);
        pop_head();
        finish(cfg, r, e.what());
        continue;
      }
      if (bytes > planned_) {
        TrialResult r = so_far(piece);
        pop_head();
        finish(cfg, r,
               "too large for the device: needs " + mib(bytes) +
                   " resident (parameters, gradients, RMSprop state, activations), the memory "
                   "budget is " +
                   mib(planned_));
        continue;
      }
      if (used_ + bytes > budget_) {
        if (!resident_.empty()) return;  // wait until resident trials free memory
        budget_ = planned_;  // all freed that a refusal waited for: the whole budget again
      }
      if (!piece) prepare_admissions();
      std::unique_ptr<ResidentTrial> t;
      try {
        auto ready = ahead_.find(i);
        const Ahead* a = ready != ahead_.end() ? &ready->second : nullptr;
        const bool continued = piece && piece->so_far && !piece->so_far->history.empty();
        const Weights* init = continued ? &piece->weights : a ? &a->init : nullptr;
        t = std::make_unique<ResidentTrial>(&ex_, cfg, shape_, bytes, train_.x.get(),
                                            train_.y.get(), train_.xf.get(), init);
        t->order = i;
        if (piece) t->pause_after = piece->pause_after;
        if (continued)
          t->resume(*piece->so_far, piece->optimizer, rule_of(cfg, t->pause_after));
        const int first = static_cast<int>(t->result.history.size()) + 1;
        t->start_epoch(first, a && first == 1 ? &a->perm : nullptr);
        ahead_.erase(i);
      } catch (const std::exception& e) {
        t.reset();
        if (!resident_.empty() && !device_broken()) {
          // The allocator refused although the plan allowed it (fragmentation, other
          // processes): wait for memory to be freed, and plan with what is really there.
          budget_ = used_;
          return;
        }
        ahead_.erase(i);
        TrialResult r = so_far(piece);
        pop_head();
        finish(cfg, r, std::string("could not be placed on the device: ") + e.what());
        if (device_broken()) throw Error(std::string("the device stopped working: ") + e.what());
        continue;
      }
      pop_head();
      used_ += bytes;
      t->epoch_started = now_s();
      if (opt_.on_start) opt_.on_start(t->config());
      resident_.push_back(std::move(t));
    }
  }

  bool device_broken() {
    try {
      ex_.synchronize();
      return false;
    } catch (...) {
      return true;
    }
  }

  void interrupt_all() {
    for (auto& t : resident_) {
      t->result.reason = StopReason::kInterrupted;
      finish(t->config(), t->result, "");
    }
    release_all();
  }

  void release_all() {
    for (auto& t : resident_) used_ -= t->bytes();
    resident_.clear();
  }

  void plan_round_steps() {
    int64_t min_steps = INT64_MAX;
    for (auto& t : resident_) min_steps = std::min(min_steps, t->steps_per_epoch);
    for (auto& t : resident_) {
      const int64_t left = t->steps_per_epoch - t->step_in_epoch;
      const int want = opt_.balance_steps ? balanced_round_steps(t->steps_per_epoch, min_steps) : 1;
      t->steps_this_round = static_cast<int>(std::min<int64_t>(want, left));
    }
  }

  // One training sub-step j of the round: every trial with more than j steps this round.
  void sub_step(int j) {
    std::vector<ResidentTrial*> in;
    std::vector<StepMember> group;
    for (auto& t : resident_) {
      if (t->steps_this_round <= j) continue;
      in.push_back(t.get());
      group.push_back(t->step_member());
    }
    if (in.empty()) return;
    stats_.launches += run_step(ex_, Pass::kTrain, group);
    for (size_t q = 0; q < in.size(); ++q) {
      ++in[q]->step_in_epoch;
      stats_.train_samples += group[q].rows;
    }
  }

  // Validation of `ends` over the whole validation set, grouped, in eval chunks.
  void evaluate(const std::vector<ResidentTrial*>& ends) {
    if (ends.empty() || val_view_.n == 0) return;
    std::vector<EvalMember> group;
    for (ResidentTrial* t : ends) group.push_back(EvalMember{&t->net(), t->eval_slots()});
    stats_.launches +=
        run_evaluation(ex_, group, DeviceRows{val_.x.get(), val_.y.get(), val_view_.n, shape_.dim, val_.xf.get()},
                       0, eval_chunks(val_view_.n));
    stats_.eval_samples += static_cast<int64_t>(val_view_.n) * static_cast<int64_t>(ends.size());
  }

  // The epoch end of one trial: its metrics, then epoch_end (qrsweep/trainer.h), the rule
  // train_trial follows. True when the trial is finished.
  bool end_epoch(ResidentTrial& t, const PassStats& tr, const PassStats& v) {
    TrialResult& r = t.result;
    r.steps += tr.steps;
    const EpochRule rule = rule_of(t.config(), t.pause_after);
    EpochMetrics m = epoch_metrics(t.epoch, tr, rule.validating ? &v : nullptr);
    m.seconds = now_s() - t.epoch_started;
    r.history.push_back(m);
    r.seconds += m.seconds;
    if (opt_.on_epoch) opt_.on_epoch(t.config(), m);  // may throw: fails this trial
    if (const auto stop = epoch_end(rule, m, r.steps, t.stopper)) {
      r.reason = *stop;
      return true;
    }
    return false;  // the caller starts its next epoch
  }

  // Starts the next epoch of each of `going` (their permutations computed on the host's
  // cores); a trial whose start fails is finished with the error and marked in `done`.
  void start_next_epochs(const std::vector<size_t>& going, std::vector<bool>& done) {
    std::vector<std::vector<uint32_t>> perms(going.size());
    parallel_for(going.size(), threads_, [&](size_t q) {
      const ResidentTrial& t = *resident_[going[q]];
      perms[q] = ResidentTrial::permutation(t.config(), t.epoch + 1, shape_.n_train);
    });
    for (size_t q = 0; q < going.size(); ++q) {
      ResidentTrial& t = *resident_[going[q]];
      try {
        t.start_epoch(t.epoch + 1, &perms[q]);
        t.epoch_started = now_s();
      } catch (const std::exception& e) {
        finish(t.config(), t.result, e.what());
        done[going[q]] = true;
      }
    }
  }

  void round() {
    ++stats_.rounds;
    plan_round_steps();
    int sub_steps = 0;
    for (auto& t : resident_) sub_steps = std::max(sub_steps, t->steps_this_round);
    std::vector<ResidentTrial*> ends;
    std::vector<PassStats> train_stats, val_stats;
    try {
      for (int j = 0; j < sub_steps; ++j) sub_step(j);
      for (auto& t : resident_)
        if (t->step_in_epoch >= t->steps_per_epoch) ends.push_back(t.get());
      evaluate(ends);
      for (ResidentTrial* t : ends) {
        train_stats.push_back(t->read_train_epoch());
        val_stats.push_back(t->read_eval(val_view_.n));
      }
    } catch (const std::exception& e) {
      // A device fault touches every trial of the round's launches: fail them all, then go on
      // if the device still works (nothing already committed is lost).
      const std::string why = std::string("device error during a packed round: ") + e.what();
      for (auto& t : resident_) finish(t->config(), t->result, why);
      release_all();
      if (device_broken()) throw Error("the device stopped working: " + why);
      return;
    }
    std::vector<bool> done(resident_.size(), false);
    std::vector<size_t> going;  // slots of the trials that go on to another epoch
    for (size_t q = 0; q < ends.size(); ++q) {
      ResidentTrial* t = ends[q];
      const size_t slot = static_cast<size_t>(
          std::find_if(resident_.begin(), resident_.end(),
                       [&](const std::unique_ptr<ResidentTrial>& p) { return p.get() == t; }) -
          resident_.begin());
      try {
        if (end_epoch(*t, train_stats[q], val_stats[q])) {
          if (t->result.reason == StopReason::kPaused)
            pause(*t);
          else
            finish(t->config(), t->result, "");
          done[slot] = true;
        } else {
          going.push_back(slot);
        }
      } catch (const std::exception& e) {
        finish(t->config(), t->result, e.what());
        done[slot] = true;
      }
    }
    start_next_epochs(going, done);
    std::vector<std::unique_ptr<ResidentTrial>> keep;
    for (size_t q = 0; q < resident_.size(); ++q) {
      if (done[q])
        used_ -= resident_[q]->bytes();
      else
        keep.push_back(std::move(resident_[q]));
    }
    resident_ = std::move(keep);
  }

  Executor& ex_;
  const std::vector<TrialConfig>& trials_;
  DatasetView train_view_, val_view_;
  const PackedOptions& opt_;
  PassShape shape_;
  DeviceDataset train_, val_;
  size_t planned_ = 0;  // the memory plan's budget; budget_ drops below it after a refusal
  size_t budget_ = 0, used_ = 0;
  std::vector<size_t> order_;
  size_t next_ = 0;
  // Host work done ahead for queued trials, by position in trials_ (prepare_admissions).
  struct Ahead {
    Weights init;
    std::vector<uint32_t> perm;
    bool ok = false;
  };
  std::map<size_t, Ahead> ahead_;
  std::optional<PackedPiece> pulled_;  // the caller's next piece, waiting for room
  size_t pulled_order_ = 0, pieces_ = 0;
  const int threads_ = host_threads();
  std::vector<std::unique_ptr<ResidentTrial>> resident_;  // after the data: freed first
  PackedStats stats_;
};

}  // namespace

int balanced_round_steps(int64_t steps_per_epoch, int64_t min_steps_per_epoch) {
  if (min_steps_per_epoch <= 0 || steps_per_epoch <= min_steps_per_epoch) return 1;
  const int64_t r = steps_per_epoch / min_steps_per_epoch;
  return static_cast<int>(std::clamp<int64_t>(r, 1, kMaxRoundSteps));
}

PackedStats run_packed(Executor& ex, const std::vector<TrialConfig>& trials,
                       const DatasetView& train, const DatasetView& val, const PackedOptions& opt) {
  return Scheduler(ex, trials, train, val, opt).run();
}

}  // namespace qrsweep::packed
