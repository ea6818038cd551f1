// TrialLayout (trial_layout.h).
#include "core/trial_layout.h"

#include <algorithm>
#include <string>
#include <utility>

#include "qrsweep/backend.h"
#include "qrsweep/common.h"

namespace qrsweep {

int eval_chunks(int n) { return (std::max(n, 0) + kEvalChunkRows - 1) / kEvalChunkRows; }

ArenaShape trial_arena(const TrialConfig& cfg, int n_train, int n_eval) {
  ArenaShape a;
  a.rows = std::max(cfg.batch_rows(n_train), std::min(kEvalChunkRows, std::max(n_eval, 1)));
  a.order = std::max(n_train, 1);
  const int batch = std::max(cfg.batch_size, 1);
  a.train_slots = std::max<int64_t>((static_cast<int64_t>(n_train) + batch - 1) / batch, 1);
  a.eval_slots = std::max(eval_chunks(n_eval), 1);
  return a;
}

TrialLayout::TrialLayout(const TrialConfig& cfg, int dim, int classes, const ArenaShape& arena)
    : arena_(arena) {
  cfg.validate();  // before widths(): it indexes sizes[] by hidden_layers
  widths_ = cfg.widths(dim, classes);
  const int n = layers();
  for (int k = 0; k < n; ++k) {
    drop_.push_back(k < n - 1 && cfg.dropout[k] && cfg.dropout_rate[k] > 0.0);
    param_floats_ = (param_floats_ + 3) / 4 * 4;
    w_.push_back(param_floats_);
    param_floats_ += static_cast<size_t>(widths_[k]) * widths_[k + 1];
    b_.push_back(param_floats_);
    param_floats_ += widths_[k + 1];
  }
  const size_t param_bytes = param_floats_ * sizeof(float);
  params_ = take(param_bytes);
  grads_ = take(param_bytes);
  ms_ = take(param_bytes);
  mom_ = take(param_bytes);
  const size_t rows = static_cast<size_t>(std::max(arena.rows, 0));
  int widest = 1;
  for (int k = 0; k < n; ++k) {
    widest = std::max(widest, widths_[k + 1]);
    const size_t act = rows * widths_[k + 1] * sizeof(float);
    y_.push_back(take(act));
    h_.push_back(drop_[k] ? take(act) : 0);
  }
  for (size_t& d : dz_) d = take(rows * widest * sizeof(float));
  order_ = take(static_cast<size_t>(std::max(arena.order, 0)) * sizeof(uint32_t));
  const size_t train = static_cast<size_t>(std::max<int64_t>(arena.train_slots, 0));
  const size_t eval = static_cast<size_t>(std::max<int64_t>(arena.eval_slots, 0));
  train_loss_ = take(train * sizeof(double));
  train_correct_ = take(train * sizeof(int64_t));
  eval_loss_ = take(eval * sizeof(double));
  eval_correct_ = take(eval * sizeof(int64_t));
}

size_t TrialLayout::take(size_t bytes) {
  const size_t at = bytes_;
  bytes_ += (bytes + kAlign - 1) / kAlign * kAlign;
  return at;
}

void TrialLayout::pack(const Weights& w, float* params) const {
  if (w.widths() != widths_) throw Error("weights do not match the trial's layer widths");
  for (int k = 0; k < layers(); ++k) {
    std::copy(w.layers[k].w.begin(), w.layers[k].w.end(), params + w_[k]);
    std::copy(w.layers[k].b.begin(), w.layers[k].b.end(), params + b_[k]);
  }
}

void TrialLayout::check_optimizer_state(size_t floats) const {
  if (floats != optimizer_floats())
    throw Error("an optimizer state of " + std::to_string(floats) + " values does not fit a " +
                "trial of " + std::to_string(param_floats_) + " parameters");
}

Weights TrialLayout::unpack(const float* params) const {
  Weights w;
  for (int k = 0; k < layers(); ++k) {
    DenseLayer d;
    d.in = widths_[k];
    d.out = widths_[k + 1];
    d.w.assign(params + w_[k], params + w_[k] + static_cast<size_t>(d.in) * d.out);
    d.b.assign(params + b_[k], params + b_[k] + d.out);
    w.layers.push_back(std::move(d));
  }
  return w;
}

}  // namespace qrsweep
