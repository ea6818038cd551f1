// TrialBuffers (trial_buffers.h): one trial's allocation carved per its layout, and the
// descriptors of its forward, cross-entropy, backward and RMSprop operations.
#include "device/trial_buffers.h"

#include <vector>

namespace qrsweep {

TrialBuffers::TrialBuffers(Executor* ex, const TrialConfig& cfg, int dim, int classes,
                           const ArenaShape& arena, const Weights* init)
    : ex_(ex), cfg_(cfg), layout_(cfg, dim, classes, arena) {
  arena_ = DeviceArray<unsigned char>(ex_, layout_.bytes());
  ex_->zero(arena_.get(), layout_.bytes());
  set_weights(init ? *init : init_weights(cfg_, widths().front(), widths().back()));
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
  std::vector<float> host(layout_.param_floats(), 0.0f);
  layout_.pack(w, host.data());
  ex_->copy_to_device(floats(layout_.params()), host.data(), host.size() * sizeof(float));
}

Weights TrialBuffers::weights() const {
  std::vector<float> host(layout_.param_floats());
  ex_->copy_to_host(host.data(), floats(layout_.params()), host.size() * sizeof(float));
  return layout_.unpack(host.data());
}

std::vector<float> TrialBuffers::optimizer_state() const {
  const size_t n = layout_.param_floats();
  std::vector<float> s(2 * n);
  ex_->copy_to_host(s.data(), floats(layout_.ms()), n * sizeof(float));
  ex_->copy_to_host(s.data() + n, floats(layout_.mom()), n * sizeof(float));
  return s;
}

void TrialBuffers::set_optimizer_state(const std::vector<float>& s) {
  const size_t n = layout_.param_floats();
  layout_.check_optimizer_state(s.size());
  ex_->copy_to_device(floats(layout_.ms()), s.data(), n * sizeof(float));
  ex_->copy_to_device(floats(layout_.mom()), s.data() + n, n * sizeof(float));
}

Slots TrialBuffers::train_slots() const {
  return Slots{at<double>(layout_.train_loss()), at<int64_t>(layout_.train_correct())};
}

Slots TrialBuffers::eval_slots() const {
  return Slots{at<double>(layout_.eval_loss()), at<int64_t>(layout_.eval_correct())};
}

const float* TrialBuffers::input_of(int k, bool dropout) const {
  return floats(drops(k - 1, dropout) ? layout_.h(k - 1) : layout_.y(k - 1));
}

void TrialBuffers::set_input(GemmProblem* p, int k, const Source& src, bool dropout,
                             bool column) const {
  if (k == 0) {
    // Byte features (divided by 255 as they are read) or float features (read as they are).
    if (src.xf)
      p->a_mode = column ? kAColF32 : kARowF32;
    else
      p->a_mode = column ? kAColU8 : kARowU8;
    p->a_u8 = src.xf ? nullptr : src.x;
    p->a = src.xf;
    p->a_rows = src.rows;
    p->lda = src.dim;
  } else {
    p->a_mode = column ? kACol : kARow;
    p->a = input_of(k, dropout);
    p->lda = widths()[k];
  }
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
  const std::vector<int>& w = widths();
  GemmProblem p{};
  p.m = rows;
  p.n = w[k + 1];
  p.k = w[k];
  p.a_ones_row = -1;
  set_input(&p, k, src, dropout, false);
  p.b_mode = kBRow;
  p.b = floats(layout_.params()) + layout_.w(k);
  p.ldb = w[k + 1];
  p.c = floats(layout_.y(k));
  p.ldc = w[k + 1];
  p.epilogue = kForward;
  p.bias = floats(layout_.params()) + layout_.b(k);
  p.act = static_cast<int>(k == layers() - 1 ? Activation::kNone : cfg_.activation);
  set_dropout(&p, k, step, dropout);
  if (drops(k, dropout)) p.h = floats(layout_.h(k));  // what input_of(k + 1) reads
  return p;
}

XentProblem TrialBuffers::xent(const Source& src, int rows, bool train, double* loss_sum,
                               int64_t* correct) const {
  XentProblem x{};
  x.z = floats(layout_.y(layers() - 1));
  x.labels = src.y;
  x.rows_idx = src.rows;
  x.dz = train ? floats(layout_.dz(0)) : nullptr;
  x.loss_sum = loss_sum;
  x.correct = correct;
  x.rows = rows;
  x.classes = widths().back();
  return x;
}

void TrialBuffers::backward(int k, const Source& src, int rows, uint32_t step, bool dropout,
                            int cur, std::vector<GemmProblem>* out) const {
  const std::vector<int>& wd = widths();
  float* const params = floats(layout_.params());
  GemmProblem w{};
  w.m = wd[k] + 1;
  w.n = wd[k + 1];
  w.k = rows;
  w.a_ones_row = wd[k];
  set_input(&w, k, src, dropout, true);
  w.b_mode = kBRow;
  w.b = floats(layout_.dz(cur));
  w.ldb = wd[k + 1];
  w.c = floats(layout_.grads()) + layout_.w(k);
  w.ldc = wd[k + 1];
  w.epilogue = kStore;
  out->push_back(w);
  if (k == 0) return;
  GemmProblem x{};
  x.m = rows;
  x.n = wd[k];
  x.k = wd[k + 1];
  x.a_ones_row = -1;
  x.a_mode = kARow;
  x.a = floats(layout_.dz(cur));
  x.lda = wd[k + 1];
  x.b_mode = kBCol;
  x.b = params + layout_.w(k);
  x.ldb = wd[k + 1];
  x.c = floats(layout_.dz(cur ^ 1));
  x.ldc = wd[k];
  x.epilogue = kBackward;
  x.y_prev = floats(layout_.y(k - 1));
  x.act = static_cast<int>(cfg_.activation);
  set_dropout(&x, k - 1, step, dropout);
  out->push_back(x);
}

RmspropProblem TrialBuffers::rmsprop() const {
  RmspropProblem r{};
  r.w = floats(layout_.params());
  r.g = floats(layout_.grads());
  r.ms = floats(layout_.ms());
  r.mom = floats(layout_.mom());
  r.n = static_cast<int64_t>(layout_.param_floats());
  r.lr = static_cast<float>(cfg_.learning_rate);
  r.momentum = static_cast<float>(cfg_.momentum);
  return r;
}

}  // namespace qrsweep
