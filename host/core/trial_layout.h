// One trial's memory, laid out once: the parameter vector's layer blocks (the CPU session's
// host vectors and the device buffers), and for a trial on an Executor every buffer of its
// single allocation (parameters, gradients, RMSprop state, activations,
// the epoch's row order, readback slots) with the allocation's total bytes, which the packed
// scheduler's memory plan budgets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "qrsweep/trial.h"
#include "qrsweep/weights.h"

namespace qrsweep {

// What a trial on an Executor keeps besides its parameters.
struct ArenaShape {
  int rows = 0;             // activation rows: the largest batch or evaluation chunk it runs
  int order = 0;            // entries of an epoch's row order
  int64_t train_slots = 0;  // per-step readback slots: the steps of an epoch
  int64_t eval_slots = 0;   // per-chunk readback slots of an evaluation pass
};

// Chunks of an evaluation pass over `n` rows (kEvalChunkRows rows each, the last shorter).
int eval_chunks(int n);

// The arena of a trial that trains on `n_train` rows and evaluates `n_eval` rows per pass:
// activations for its batch or an evaluation chunk (the larger), the epoch's row order, a slot
// per step of an epoch and per chunk (at least one of each).
ArenaShape trial_arena(const TrialConfig& cfg, int n_train, int n_eval);

class TrialLayout {
 public:
  static constexpr size_t kAlign = 256;  // bytes; every arena buffer starts on this boundary

  // Validates `cfg` (throws ConfigError) and lays out its network for `dim` inputs and
  // `classes` outputs; `arena` sizes the executor buffers (empty: the parameters only, as the
  // CPU session keeps them).
  TrialLayout(const TrialConfig& cfg, int dim, int classes, const ArenaShape& arena = {});

  const std::vector<int>& widths() const { return widths_; }
  int layers() const { return static_cast<int>(widths_.size()) - 1; }
  // Hidden layer k has dropout, and so a dropout output h.
  bool has_dropout(int k) const { return drop_[k]; }
  const ArenaShape& arena() const { return arena_; }

  // ---- The parameter vector, in floats: W then b per layer, each layer starting on a
  // 16-byte boundary (cuBLAS TF32 and vector loads); the padding stays zero.
  size_t w(int k) const { return w_[k]; }
  size_t b(int k) const { return b_[k]; }
  size_t param_floats() const { return param_floats_; }
  // Writes `w` into `params` (param_floats() floats, padding untouched); throws Error when
  // its widths are not the layout's.
  void pack(const Weights& w, float* params) const;
  Weights unpack(const float* params) const;
  // A session's optimizer state (TrialSession::optimizer_state): RMSprop's mean squares, then
  // its momentum, param_floats() each. check_optimizer_state throws Error on any other size.
  size_t optimizer_floats() const { return 2 * param_floats_; }
  void check_optimizer_state(size_t floats) const;

  // ---- The arena: byte offsets of each buffer from the allocation's start.
  size_t params() const { return params_; }
  size_t grads() const { return grads_; }
  size_t ms() const { return ms_; }
  size_t mom() const { return mom_; }
  size_t y(int k) const { return y_[k]; }    // layer k's output, rows x widths[k + 1]
  size_t h(int k) const { return h_[k]; }    // its dropout output (has_dropout(k) only)
  size_t dz(int i) const { return dz_[i]; }  // the two dZ buffers, rows x the widest layer
  size_t order() const { return order_; }
  size_t train_loss() const { return train_loss_; }
  size_t train_correct() const { return train_correct_; }
  size_t eval_loss() const { return eval_loss_; }
  size_t eval_correct() const { return eval_correct_; }
  size_t bytes() const { return bytes_; }  // the whole allocation

 private:
  size_t take(size_t bytes);  // the next buffer's offset

  std::vector<int> widths_;
  std::vector<bool> drop_;
  ArenaShape arena_;
  std::vector<size_t> w_, b_;
  size_t param_floats_ = 0;
  size_t params_ = 0, grads_ = 0, ms_ = 0, mom_ = 0;
  std::vector<size_t> y_, h_;
  size_t dz_[2] = {0, 0};
  size_t order_ = 0, train_loss_ = 0, train_correct_ = 0, eval_loss_ = 0, eval_correct_ = 0;
  size_t bytes_ = 0;
};

}  // namespace qrsweep
