// Training one trial with tf.keras semantics (docs/semantics.md#training): epochs over fresh
// permutations, validation after each, early stopping on val_loss, per-epoch history.
// Backend-agnostic.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/backend.h"

namespace qrsweep {

struct EpochMetrics {
  int epoch = 0;  // 1-based
  double loss = 0, accuracy = 0;          // training, batch-size weighted, dropout on
  double val_loss = 0, val_accuracy = 0;  // end-of-epoch weights, no dropout
  double seconds = 0;
};

// keras.callbacks.EarlyStopping(monitor='val_loss', patience): strict improvement only,
// NaN never improves, last weights kept.
class EarlyStopping {
 public:
  explicit EarlyStopping(int patience) : patience_(patience) {}
  // Returns true when training should stop after this epoch.
  bool update(double val_loss);
  double best() const { return best_; }
  int wait() const { return wait_; }

 private:
  int patience_;
  double best_ = std::numeric_limits<double>::infinity();
  int wait_ = 0;
};

// The permutation of `n` rows for a (seed, trial, epoch): Fisher-Yates from the trial's
// kPermute stream, so any backend and any restart sees the same batches.
std::vector<uint32_t> epoch_permutation(uint64_t seed, uint32_t trial, uint32_t epoch, int n);

enum class StopReason {
  kEarlyStopping,
  kMaxEpochs,
  kDiverged,
  kStepLimit,
  kInterrupted,
  kPaused,  // TrainOptions::pause_after reached (successive halving's rungs)
};
const char* stop_reason_name(StopReason r);

// An epoch's metrics from its training pass and, when validating, its validation pass
// (`val` nullptr: the validation columns are NaN).
EpochMetrics epoch_metrics(int epoch, const PassStats& train, const PassStats* val);

// What ends training after an epoch (docs/semantics.md#stopping): the one rule of
// train_trial and the packed scheduler.
struct EpochRule {
  int epochs = 0;              // the last epoch: fixed_epochs when > 0, else max_epochs
  bool validating = true;      // val_loss was measured: validation on and rows to validate
  bool early_stopping = true;  // off for fixed-epoch runs and when not validating
  int64_t max_steps = -1;      // stop once this many steps are taken in all (-1: none)
  int pause_after = -1;        // > 0: pause after this epoch (successive halving's rungs)
};
// The rule for `cfg`. Without validation rows nothing is validated: an empty validation set
// is neither divergence nor a reason to stop early.
EpochRule epoch_rule(const TrialConfig& cfg, int fixed_epochs, bool validate, int val_rows,
                     int64_t max_steps);
// Decides after epoch `m`, with `steps` optimizer steps taken in all, in this order:
// diverged, step limit, early stopping (updating `stopper`), max epochs, pause. nullopt: go on.
std::optional<StopReason> epoch_end(const EpochRule& rule, const EpochMetrics& m, int64_t steps,
                                    EarlyStopping& stopper);

struct TrialResult;

// Continuing a paused trial (TrainOptions::resume, the packed scheduler's pieces): its epochs
// and steps so far into `r`, and early stopping's count replayed from those epochs.
void resume_from(const TrialResult& so_far, const EpochRule& rule, TrialResult& r,
                 EarlyStopping& stopper);

struct TrainOptions {
  bool shuffle = true;
  bool dropout = true;
  int64_t max_steps = -1;       // stop after this many optimizer steps in all (-1: none)
  bool validate = true;         // false: no validation (retrain on all rows, docs/sweep.md)
  int fixed_epochs = -1;        // >0: run exactly this many epochs, no early stopping
  std::vector<double>* step_losses = nullptr;
  std::function<void(const EpochMetrics&)> on_epoch;  // called after every epoch
  std::function<bool()> should_stop;                  // polled between epochs
  // Pausing and continuing (successive halving, docs/sweep.md): `resume` holds the epochs
  // already trained (and their steps), the session their end state (weights, optimizer);
  // training goes on at the next epoch as if it had never stopped, early stopping's count
  // replayed from those epochs. pause_after > 0: stop after that epoch (kPaused) unless a
  // rule above ends the trial there.
  const TrialResult* resume = nullptr;
  int pause_after = -1;
};

struct TrialResult {
  std::vector<EpochMetrics> history;
  StopReason reason = StopReason::kMaxEpochs;
  double min_val_loss = std::numeric_limits<double>::quiet_NaN();
  int min_val_loss_epoch = 0;  // 1-based, 0 when none
  double max_val_accuracy = std::numeric_limits<double>::quiet_NaN();
  int max_val_accuracy_epoch = 0;
  int64_t steps = 0;
  double seconds = 0;
};

// Trains `cfg` on `train`, validating on `val` after every epoch, from the weights the
// session holds. On return the session holds the last weights.
TrialResult train_trial(TrialSession& session, const TrialConfig& cfg, const DatasetView& train,
                        const DatasetView& val, const TrainOptions& opt);

// The notebook's "Min val loss" / "Max val accuracy" columns from a history (first
// occurrence wins, NaN never best).
void summarize_history(TrialResult& r);

}  // namespace qrsweep
