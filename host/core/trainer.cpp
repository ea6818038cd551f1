// The epoch loop shared by every backend: permutations, validation, early stopping and
// the history (docs/semantics.md#epochs, #stopping).
#include "qrsweep/trainer.h"

#include <chrono>
#include <cmath>
#include <numeric>

#include "qrsweep/philox.h"

namespace qrsweep {

bool EarlyStopping::update(double val_loss) {
  if (val_loss < best_) {  // false for NaN: NaN never improves
    best_ = val_loss;
    wait_ = 0;
  } else {
    ++wait_;
  }
  return wait_ >= patience_;
}

EpochMetrics epoch_metrics(int epoch, const PassStats& train, const PassStats* val) {
  EpochMetrics m;
  m.epoch = epoch;
  m.loss = train.samples ? train.loss_sum / train.samples : std::nan("");
  m.accuracy = train.samples ? double(train.correct) / train.samples : std::nan("");
  if (val) {
    m.val_loss = val->loss_sum / val->samples;
    m.val_accuracy = double(val->correct) / val->samples;
  } else {
    m.val_loss = m.val_accuracy = std::nan("");
  }
  return m;
}

EpochRule epoch_rule(const TrialConfig& cfg, int fixed_epochs, bool validate, int val_rows,
                     int64_t max_steps) {
  EpochRule rule;
  rule.epochs = fixed_epochs > 0 ? fixed_epochs : cfg.max_epochs;
  rule.validating = validate && val_rows > 0;
  rule.early_stopping = fixed_epochs <= 0 && rule.validating;
  rule.max_steps = max_steps;
  return rule;
}

std::optional<StopReason> epoch_end(const EpochRule& rule, const EpochMetrics& m, int64_t steps,
                                    EarlyStopping& stopper) {
  if (!std::isfinite(m.loss) || (rule.validating && !std::isfinite(m.val_loss)))
    return StopReason::kDiverged;
  if (rule.max_steps >= 0 && steps >= rule.max_steps) return StopReason::kStepLimit;
  if (rule.early_stopping && stopper.update(m.val_loss)) return StopReason::kEarlyStopping;
  if (m.epoch >= rule.epochs) return StopReason::kMaxEpochs;
  if (rule.pause_after > 0 && m.epoch >= rule.pause_after) return StopReason::kPaused;
  return std::nullopt;
}

void resume_from(const TrialResult& so_far, const EpochRule& rule, TrialResult& r,
                 EarlyStopping& stopper) {
  r.history = so_far.history;
  r.steps = so_far.steps;
  if (rule.early_stopping)
    for (const EpochMetrics& m : r.history) stopper.update(m.val_loss);
}

std::vector<uint32_t> epoch_permutation(uint64_t seed, uint32_t trial, uint32_t epoch, int n) {
  std::vector<uint32_t> p(n);
  std::iota(p.begin(), p.end(), 0u);
  PhiloxStream s{seed, trial, purpose_word(Purpose::kPermute, epoch)};
  uint64_t w = 0;
  for (int i = n - 1; i > 0; --i) {
    uint32_t j = below(s.word(w++), static_cast<uint32_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return p;
}

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kEarlyStopping: return "early stopping";
    case StopReason::kMaxEpochs: return "max epochs";
    case StopReason::kDiverged: return "diverged";
    case StopReason::kStepLimit: return "step limit";
    case StopReason::kInterrupted: return "interrupted";
    case StopReason::kPaused: return "paused";
  }
  return "?";
}

void summarize_history(TrialResult& r) {
  r.min_val_loss = std::numeric_limits<double>::quiet_NaN();
  r.max_val_accuracy = std::numeric_limits<double>::quiet_NaN();
  r.min_val_loss_epoch = r.max_val_accuracy_epoch = 0;
  for (const auto& m : r.history) {
    if (!std::isnan(m.val_loss) && (r.min_val_loss_epoch == 0 || m.val_loss < r.min_val_loss)) {
      r.min_val_loss = m.val_loss;
      r.min_val_loss_epoch = m.epoch;
    }
    if (!std::isnan(m.val_accuracy) &&
        (r.max_val_accuracy_epoch == 0 || m.val_accuracy > r.max_val_accuracy)) {
      r.max_val_accuracy = m.val_accuracy;
      r.max_val_accuracy_epoch = m.epoch;
    }
  }
}

TrialResult train_trial(TrialSession& session, const TrialConfig& cfg, const DatasetView& train,
                        const DatasetView& val, const TrainOptions& opt) {
  using clock = std::chrono::steady_clock;
  TrialResult r;
  const auto t0 = clock::now();
  EarlyStopping stopper(cfg.patience);
  EpochRule rule = epoch_rule(cfg, opt.fixed_epochs, opt.validate, val.n, opt.max_steps);
  rule.pause_after = opt.pause_after;
  std::vector<uint32_t> identity;
  if (!opt.shuffle) {
    identity.resize(train.n);
    std::iota(identity.begin(), identity.end(), 0u);
  }
  r.reason = StopReason::kMaxEpochs;
  if (opt.resume) resume_from(*opt.resume, rule, r, stopper);
  for (int e = static_cast<int>(r.history.size()) + 1; e <= rule.epochs; ++e) {
    if (opt.should_stop && opt.should_stop()) {
      r.reason = StopReason::kInterrupted;
      break;
    }
    const auto te = clock::now();
    std::vector<uint32_t> perm;
    if (opt.shuffle)
      perm = epoch_permutation(cfg.seed, static_cast<uint32_t>(cfg.index),
                               static_cast<uint32_t>(e - 1), train.n);
    EpochRequest req;
    req.order = opt.shuffle ? perm.data() : identity.data();
    req.first_step = r.steps;
    req.max_steps = opt.max_steps >= 0 ? opt.max_steps - r.steps : -1;
    req.dropout = opt.dropout;
    req.step_losses = opt.step_losses;
    req.should_stop = opt.should_stop;
    PassStats tr = session.train_epoch(req);
    r.steps += tr.steps;
    if (tr.interrupted) {
      r.reason = StopReason::kInterrupted;
      break;
    }
    PassStats v;
    if (rule.validating) v = session.evaluate(val);
    EpochMetrics m = epoch_metrics(e, tr, rule.validating ? &v : nullptr);
    m.seconds = std::chrono::duration<double>(clock::now() - te).count();
    r.history.push_back(m);
    if (opt.on_epoch) opt.on_epoch(m);
    if (const auto stop = epoch_end(rule, m, r.steps, stopper)) {
      r.reason = *stop;
      break;
    }
  }
  summarize_history(r);
  r.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return r;
}

}  // namespace qrsweep
