// TrialBuffers (trial_buffers.h): the parameter layout and the descriptors of one trial's
// forward, cross-entropy, backward and RMSprop operations.
#include "device/trial_buffers.h"

#include <algorithm>
#include <utility>

#include "qrsweep/common.h"

namespace qrsweep {
namespace {

// Offsets of each layer's W and b in the parameter vector; returns its length in floats.
size_t layer_offsets(const std::vector<int>& widths, std::vector<size_t>* w_off,
                     std::vector<size_t>* b_off) {
  size_t total = 0;
  for (size_t k = 0; k + 1 < widths.size(); ++k) {
    total = (total + 3) / 4 * 4;
    w_off->push_back(total);
    total += static_cast<size_t>(widths[k]) * widths[k + 1];
    b_off->push_back(total);
    total += widths[k + 1];
  }
  return total;
}

}  // namespace

size_t TrialBuffers::param_count(const std::vector<int>& widths) {
  std::vector<size_t> w_off, b_off;
  return layer_offsets(widths, &w_off, &b_off);
}

bool TrialBuffers::has_dropout(const TrialConfig& cfg, int layers, int k) {
  return k < layers - 1 && cfg.dropout[k] && cfg.dropout_rate[k] > 0.0;
}

TrialBuffers::TrialBuffers(Executor* ex, const TrialConfig& cfg, int dim, int classes, int rows,
                           const Weights* init)
    : ex_(ex), cfg_(cfg) {
  cfg_.validate();  // before widths(): it indexes sizes[] by hidden_layers
  widths_ = cfg_.widths(dim, classes);
  layers_ = static_cast<int>(widths_.size()) - 1;
  total_ = layer_offsets(widths_, &w_off_, &b_off_);
  params_ = DeviceArray<float>(ex_, total_);
  grads_ = DeviceArray<float>(ex_, total_);
  ms_ = DeviceArray<float>(ex_, total_);
  mom_ = DeviceArray<float>(ex_, total_);
  ex_->zero(params_.get(), total_ * sizeof(float));
  ex_->zero(grads_.get(), total_ * sizeof(float));
  ex_->zero(ms_.get(), total_ * sizeof(float));
  ex_->zero(mom_.get(), total_ * sizeof(float));
  set_weights(init ? *init : init_weights(cfg_, widths_.front(), widths_.back()));
  reserve_rows(rows);
}

TrialBuffers::~TrialBuffers() {
  // cudaFree alone need not wait for a non-blocking stream; a failure here was already
  // reported (destructors must not throw).
  try {
    ex_->synchronize();
  } catch (...) {
  }
}

void TrialBuffers::set_weights(const Weights& w) {
  if (w.widths() != widths_) throw Error("weights do not match the trial's layer widths");
  std::vector<float> host(total_, 0.0f);
  for (int k = 0; k < layers_; ++k) {
    std::copy(w.layers[k].w.begin(), w.layers[k].w.end(), host.begin() + w_off_[k]);
    std::copy(w.layers[k].b.begin(), w.layers[k].b.end(), host.begin() + b_off_[k]);
  }
  ex_->copy_to_device(params_.get(), host.data(), total_ * sizeof(float));
}

Weights TrialBuffers::weights() const {
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

void TrialBuffers::reserve_rows(int rows) {
  if (rows <= capacity_) return;
  if (capacity_ > 0) ex_->synchronize();  // the old buffers may still be read by queued work
  capacity_ = rows;
  int maxw = 1;
  for (int k = 1; k <= layers_; ++k) maxw = std::max(maxw, widths_[k]);
  y_.clear();
  h_.clear();
  for (int k = 0; k < layers_; ++k) {
    const size_t count = static_cast<size_t>(rows) * widths_[k + 1];
    y_.emplace_back(ex_, count);
    h_.emplace_back(ex_, has_dropout(cfg_, layers_, k) ? count : 0);
  }
  for (auto& d : dz_) d = DeviceArray<float>(ex_, static_cast<size_t>(rows) * maxw);
}

const float* TrialBuffers::input_of(int k, bool dropout) const {
  return drops(k - 1, dropout) ? h_[k - 1].get() : y_[k - 1].get();
}

void TrialBuffers::set_dropout(GemmProblem* p, int layer, uint32_t step, bool dropout) const {
  if (!drops(layer, dropout)) return;
  p->drop_rate = static_cast<float>(cfg_.dropout_rate[layer]);
  p->seed = cfg_.seed;
  p->trial = static_cast<uint32_t>(cfg_.index);
  p->layer = static_cast<uint32_t>(layer);
  p->step = step;
}

GemmProblem TrialBuffers::forward(int k, const Source& src, int rows, uint32_t step,
                                  bool dropout) const {
  GemmProblem p{};
  p.m = rows;
  p.n = widths_[k + 1];
  p.k = widths_[k];
  p.a_ones_row = -1;
  if (k == 0) {
    p.a_mode = src.xf ? kARowF32 : kARowU8;
    p.a_u8 = src.xf ? nullptr : src.x;
    p.a = src.xf;
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
  set_dropout(&p, k, step, dropout);
  if (drops(k, dropout)) p.h = h_[k].get();  // what input_of(k + 1) reads
  return p;
}

XentProblem TrialBuffers::xent(const Source& src, int rows, bool train, double* loss_sum,
                               int64_t* correct) const {
  XentProblem x{};
  x.z = y_[layers_ - 1].get();
  x.labels = src.y;
  x.rows_idx = src.rows;
  x.dz = train ? dz_[0].get() : nullptr;
  x.loss_sum = loss_sum;
  x.correct = correct;
  x.rows = rows;
  x.classes = widths_.back();
  return x;
}

void TrialBuffers::backward(int k, const Source& src, int rows, uint32_t step, bool dropout,
                            int cur, std::vector<GemmProblem>* out) const {
  GemmProblem w{};
  w.m = widths_[k] + 1;
  w.n = widths_[k + 1];
  w.k = rows;
  w.a_ones_row = widths_[k];
  if (k == 0) {
    w.a_mode = src.xf ? kAColF32 : kAColU8;
    w.a_u8 = src.xf ? nullptr : src.x;
    w.a = src.xf;
    w.a_rows = src.rows;
    w.lda = src.dim;
  } else {
    w.a_mode = kACol;
    w.a = input_of(k, dropout);
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
  set_dropout(&x, k - 1, step, dropout);
  out->push_back(x);
}

RmspropProblem TrialBuffers::rmsprop() const {
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

}  // namespace qrsweep
