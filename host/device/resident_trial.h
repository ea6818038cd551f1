// One trial resident in the packed scheduler: its executor memory and problem descriptors
// (TrialBuffers, host/device/trial_buffers.h, the same as the single-trial DeviceSession's) and
// its training state (epoch, step, early stopping, history).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "device/executor.h"
#include "device/step_plan.h"
#include "device/trial_buffers.h"
#include "qrsweep/trainer.h"

namespace qrsweep::packed {

// Shapes every resident trial shares: the dataset's.
struct PassShape {
  int dim = 0, classes = 0;
  int n_train = 0, n_val = 0;
};

// What a resident trial's allocation holds besides its parameters (core/trial_layout.h).
ArenaShape resident_arena(const TrialConfig& cfg, const PassShape& shape);

class ResidentTrial {
 public:
  // Allocates and initialises (glorot, docs/semantics.md#init; `init` when computed ahead) on `ex`;
  // throws Error when the config is invalid or the executor cannot allocate. `train_x` / `train_y`:
  // the training set in executor memory, outliving the trial.
  ResidentTrial(Executor* ex, const TrialConfig& cfg, const PassShape& shape, size_t bytes,
                const uint8_t* train_x, const uint8_t* train_y, const float* train_xf,
                const Weights* init = nullptr);
  ~ResidentTrial();
  ResidentTrial(const ResidentTrial&) = delete;
  ResidentTrial& operator=(const ResidentTrial&) = delete;

  const TrialConfig& config() const { return cfg_; }
  int layers() const { return net_.layers(); }
  size_t bytes() const { return bytes_; }
  Weights weights() const { return net_.weights(); }

  // ---- its part of a step (device/step_plan.h) ----
  const TrialBuffers& net() const { return net_; }
  // The next training step of this epoch: its batch, step number and readback slot.
  StepMember step_member() const;
  Slots eval_slots() const { return net_.eval_slots(); }

  // ---- training state, driven by the scheduler ----
  // Starts epoch `epoch` (1-based): its permutation (epoch_permutation, or `perm` when
  // computed ahead), uploaded; the step cursor at 0.
  void start_epoch(int epoch, const std::vector<uint32_t>* perm = nullptr);
  // The permutation of epoch `epoch`, computed on the host (any thread).
  static std::vector<uint32_t> permutation(const TrialConfig& cfg, int epoch, int n_train);
  Source batch_source(int64_t step_in_epoch) const;  // rows of batch `step_in_epoch`
  int batch_rows(int64_t step_in_epoch) const;
  PassStats read_train_epoch() const;  // sums the epoch's per-step slots, in step order
  PassStats read_eval(int n) const;    // sums the validation chunks' slots, in chunk order

  // A paused piece continued (qrsweep/backend.h PackedPiece): its optimizer state into the
  // allocation (the weights came with the constructor's `init`), its epochs, steps and early
  // stopping's count (resume_from); the caller starts epoch result.history.size() + 1.
  void resume(const TrialResult& so_far, const std::vector<float>& optimizer,
              const EpochRule& rule);
  // Its state for a pause: read back from the allocation.
  std::vector<float> optimizer_state() const { return net_.optimizer_state(); }

  int epoch = 0;                // the epoch being trained (1-based)
  int64_t step_in_epoch = 0;    // next step of this epoch
  int64_t steps_per_epoch = 0;  // ceil(n_train / batch)
  int steps_this_round = 0;     // set by the scheduler each round
  double epoch_started = 0;     // steady-clock seconds
  EarlyStopping stopper;
  TrialResult result;
  int pause_after = -1;  // > 0: the epoch its piece pauses after
  size_t order = 0;  // position in the caller's trial list

 private:
  Executor* ex_;
  TrialConfig cfg_;
  PassShape shape_;
  size_t bytes_;
  TrialBuffers net_;        // the trial's one allocation
  const uint8_t* train_x_;  // the training bytes the batches gather from (the scheduler's)
  const uint8_t* train_y_;
  const float* train_xf_;  // float features (null: the bytes train_x_)
};

}  // namespace qrsweep::packed
