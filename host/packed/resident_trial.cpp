// ResidentTrial (resident_trial.h): buffers laid out and descriptors filled exactly as
// DeviceSession does, so a packed trial runs the single-trial session's operations.
#include "packed/resident_trial.h"

#include <algorithm>
#include <string>

#include "qrsweep/common.h"

namespace qrsweep::packed {

ResidentTrial::ResidentTrial(Executor* ex, const TrialConfig& cfg, const PassShape& shape,
                             size_t bytes, const uint8_t* train_x, const uint8_t* train_y)
    : stopper(cfg.patience),
      ex_(ex),
      cfg_(cfg),
      shape_(shape),
      bytes_(bytes),
      train_x_(train_x),
      train_y_(train_y) {
  cfg_.validate();
  widths_ = cfg_.widths(shape.dim, shape.classes);
  layers_ = static_cast<int>(widths_.size()) - 1;
  size_t total = 0;
  for (int k = 0; k < layers_; ++k) {
    total = (total + 3) / 4 * 4;
    w_off_.push_back(total);
    total += static_cast<size_t>(widths_[k]) * widths_[k + 1];
    b_off_.push_back(total);
    total += widths_[k + 1];
  }
  total_ = total;
  params_ = DeviceArray<float>(ex_, total_);
  grads_ = DeviceArray<float>(ex_, total_);
  ms_ = DeviceArray<float>(ex_, total_);
  mom_ = DeviceArray<float>(ex_, total_);
  ex_->zero(grads_.get(), total_ * sizeof(float));
  ex_->zero(ms_.get(), total_ * sizeof(float));
  ex_->zero(mom_.get(), total_ * sizeof(float));
  {
    const Weights w = init_weights(cfg_, widths_.front(), widths_.back());
    std::vector<float> host(total_, 0.0f);
    for (int k = 0; k < layers_; ++k) {
      std::copy(w.layers[k].w.begin(), w.layers[k].w.end(), host.begin() + w_off_[k]);
      std::copy(w.layers[k].b.begin(), w.layers[k].b.end(), host.begin() + b_off_[k]);
    }
    ex_->copy_to_device(params_.get(), host.data(), total_ * sizeof(float));
  }
  const int rows = std::max(cfg_.batch_size, std::min(shape.eval_chunk, std::max(shape.n_val, 1)));
  int maxw = 1;
  for (int k = 1; k <= layers_; ++k) maxw = std::max(maxw, widths_[k]);
  for (int k = 0; k < layers_; ++k) {
    const size_t count = static_cast<size_t>(rows) * widths_[k + 1];
    y_.emplace_back(ex_, count);
    h_.emplace_back(ex_, drops(k) ? count : 0);
  }
  for (auto& d : dz_) d = DeviceArray<float>(ex_, static_cast<size_t>(rows) * maxw);
  steps_per_epoch = (static_cast<int64_t>(shape.n_train) + cfg_.batch_size - 1) / cfg_.batch_size;
  perm_ = DeviceArray<uint32_t>(ex_, std::max(shape.n_train, 1));
  train_loss_ = DeviceArray<double>(ex_, std::max<int64_t>(steps_per_epoch, 1));
  train_correct_ = DeviceArray<int64_t>(ex_, std::max<int64_t>(steps_per_epoch, 1));
  const int chunks = std::max(1, (shape.n_val + shape.eval_chunk - 1) / shape.eval_chunk);
  eval_loss_ = DeviceArray<double>(ex_, chunks);
  eval_correct_ = DeviceArray<int64_t>(ex_, chunks);
}

ResidentTrial::~ResidentTrial() {
  // Queued work may still read the buffers; a failure here was already reported.
  try {
    ex_->synchronize();
  } catch (...) {
  }
}

Weights ResidentTrial::weights() const {
  std::vector<float> host(total_);
  ex_->copy_to_host(host.data(), params_.get(), total_ * sizeof(float));
  Weights w;
  for (int k = 0; k < layers_; ++k) {
    DenseLayer d;
    d.in = widths_[k];
    d.out = widths_[k + 1];
    d.w.assign(host.begin() + w_off_[k], host.begin() + w_off_[k] + size_t(d.in) * d.out);
    d.b.assign(host.begin() + b_off_[k], host.begin() + b_off_[k] + d.out);
    w.layers.push_back(std::move(d));
  }
  return w;
}

// Dropout applies to hidden layer k (training passes only; the caller passes `dropout`).
bool ResidentTrial::drops(int k) const {
  return k < layers_ - 1 && cfg_.dropout[k] && cfg_.dropout_rate[k] > 0.0;
}

const float* ResidentTrial::input_of(int k, bool dropout) const {
  return dropout && drops(k - 1) ? h_[k - 1].get() : y_[k - 1].get();
}

GemmProblem ResidentTrial::forward(int k, const Source& src, int rows, uint32_t step,
                                   bool dropout) const {
  GemmProblem p{};
  p.m = rows;
  p.n = widths_[k + 1];
  p.k = widths_[k];
  p.a_ones_row = -1;
  if (k == 0) {
    p.a_mode = kARowU8;
    p.a_u8 = src.x;
    p.a_rows = src.rows;
    p.lda = src.dim;
  } else {
    p.a_mode = kARow;
    p.a = input_of(k, dropout);
    p.lda = widths_[k];
  }
  p.b_mode = kBRow;
  p.b = params_.get() + w_off_[k];
  p.ldb = widths_[k + 1];
  p.c = y_[k].get();
  p.ldc = widths_[k + 1];
  p.epilogue = kForward;
  p.bias = params_.get() + b_off_[k];
  p.act = static_cast<int>(k == layers_ - 1 ? Activation::kNone : cfg_.activation);
  if (dropout && drops(k)) {
    p.drop_rate = static_cast<float>(cfg_.dropout_rate[k]);
    p.seed = cfg_.seed;
    p.trial = static_cast<uint32_t>(cfg_.index);
    p.layer = static_cast<uint32_t>(k);
    p.step = step;
    p.h = h_[k].get();
  }
  return p;
}

XentProblem ResidentTrial::xent(const Source& src, int rows, bool train, size_t slot) const {
  XentProblem x{};
  x.z = y_[layers_ - 1].get();
  x.labels = src.y;
  x.rows_idx = src.rows;
  x.dz = train ? dz_[0].get() : nullptr;
  x.loss_sum = (train ? train_loss_.get() : eval_loss_.get()) + slot;
  x.correct = (train ? train_correct_.get() : eval_correct_.get()) + slot;
  x.rows = rows;
  x.classes = widths_.back();
  return x;
}

void ResidentTrial::backward(int k, const Source& src, int rows, uint32_t step, int cur,
                             std::vector<GemmProblem>* out) const {
  GemmProblem w{};
  w.m = widths_[k] + 1;
  w.n = widths_[k + 1];
  w.k = rows;
  w.a_ones_row = widths_[k];
  if (k == 0) {
    w.a_mode = kAColU8;
    w.a_u8 = src.x;
    w.a_rows = src.rows;
    w.lda = src.dim;
  } else {
    w.a_mode = kACol;
    w.a = input_of(k, true);
    w.lda = widths_[k];
  }
  w.b_mode = kBRow;
  w.b = dz_[cur].get();
  w.ldb = widths_[k + 1];
  w.c = grads_.get() + w_off_[k];
  w.ldc = widths_[k + 1];
  w.epilogue = kStore;
  out->push_back(w);
  if (k == 0) return;
  GemmProblem x{};
  x.m = rows;
  x.n = widths_[k];
  x.k = widths_[k + 1];
  x.a_ones_row = -1;
  x.a_mode = kARow;
  x.a = dz_[cur].get();
  x.lda = widths_[k + 1];
  x.b_mode = kBCol;
  x.b = params_.get() + w_off_[k];
  x.ldb = widths_[k + 1];
  x.c = dz_[cur ^ 1].get();
  x.ldc = widths_[k];
  x.epilogue = kBackward;
  x.y_prev = y_[k - 1].get();
  x.act = static_cast<int>(cfg_.activation);
  if (drops(k - 1)) {
    x.drop_rate = static_cast<float>(cfg_.dropout_rate[k - 1]);
    x.seed = cfg_.seed;
    x.trial = static_cast<uint32_t>(cfg_.index);
    x.layer = static_cast<uint32_t>(k - 1);
    x.step = step;
  }
  out->push_back(x);
}

RmspropProblem ResidentTrial::rmsprop() const {
  RmspropProblem r{};
  r.w = params_.get();
  r.g = grads_.get();
  r.ms = ms_.get();
  r.mom = mom_.get();
  r.n = static_cast<int64_t>(total_);
  r.lr = static_cast<float>(cfg_.learning_rate);
  r.momentum = static_cast<float>(cfg_.momentum);
  return r;
}

void ResidentTrial::start_epoch(int e) {
  epoch = e;
  step_in_epoch = 0;
  const std::vector<uint32_t> p = epoch_permutation(cfg_.seed, static_cast<uint32_t>(cfg_.index),
                                                    static_cast<uint32_t>(e - 1), shape_.n_train);
  if (!p.empty()) ex_->copy_to_device(perm_.get(), p.data(), p.size() * sizeof(uint32_t));
}

Source ResidentTrial::batch_source(int64_t s) const {
  return Source{train_x_, train_y_, perm_.get() + s * cfg_.batch_size, shape_.dim};
}

int ResidentTrial::batch_rows(int64_t s) const {
  return static_cast<int>(std::min<int64_t>(cfg_.batch_size, shape_.n_train - s * cfg_.batch_size));
}

PassStats ResidentTrial::read_train_epoch() const {
  PassStats st;
  const int64_t steps = steps_per_epoch;
  if (steps <= 0) return st;
  std::vector<double> loss(steps);
  std::vector<int64_t> correct(steps);
  ex_->copy_to_host(loss.data(), train_loss_.get(), steps * sizeof(double));
  ex_->copy_to_host(correct.data(), train_correct_.get(), steps * sizeof(int64_t));
  for (int64_t s = 0; s < steps; ++s) {
    st.loss_sum += loss[s];
    st.correct += correct[s];
    st.samples += batch_rows(s);
  }
  st.steps = steps;
  return st;
}

PassStats ResidentTrial::read_eval(int chunks, int n) const {
  PassStats st;
  if (n == 0) return st;
  std::vector<double> loss(chunks);
  std::vector<int64_t> correct(chunks);
  ex_->copy_to_host(loss.data(), eval_loss_.get(), chunks * sizeof(double));
  ex_->copy_to_host(correct.data(), eval_correct_.get(), chunks * sizeof(int64_t));
  for (int c = 0; c < chunks; ++c) {
    st.loss_sum += loss[c];
    st.correct += correct[c];
  }
  st.samples = n;
  return st;
}

}  // namespace qrsweep::packed
