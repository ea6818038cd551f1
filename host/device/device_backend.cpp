// One trial's training on an Executor (see device_backend.h): the CPU reference session's
// exact sequence of operations (host/cpu/cpu_backend.cpp) expressed as grouped launches —
// per layer one forward GEMM (gather, bias, activation, dropout fused), one softmax
// cross-entropy, per layer one backward launch holding dW|db and dX, one RMSprop update.
#include "device/device_backend.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "packed/packed_scheduler.h"
#include "qrsweep/common.h"
#include "qrsweep/trainer.h"

namespace qrsweep {
namespace {

constexpr int kEvalChunk = 1024;

// ---- Datasets on the device -------------------------------------------------------------

// Waits for queued work before device memory is released (cudaFree alone need not wait for
// a non-blocking stream). Destructors must not throw: a failure here is already reported.
void quiesce(Executor* ex) noexcept {
  if (!ex) return;
  try {
    ex->synchronize();
  } catch (...) {
  }
}

struct DeviceData {
  std::shared_ptr<Executor> ex;  // first: destroyed after the arrays
  DeviceArray<uint8_t> x, y;
  int n = 0, dim = 0, classes = 0;
  uint64_t fingerprint = 0;
  ~DeviceData() { quiesce(ex.get()); }
};

// FNV-1a over a sample of the bytes: catches a view whose memory was reused for other data.
uint64_t fingerprint(const DatasetView& v) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  const size_t nx = static_cast<size_t>(v.n) * v.dim;
  for (size_t s = 0; nx && s < 256; ++s) mix(v.x[s * nx / 256]);
  for (size_t s = 0; v.n && s < 64; ++s) mix(v.y[s * static_cast<size_t>(v.n) / 64]);
  return h;
}

class DataCache {
 public:
  explicit DataCache(std::shared_ptr<Executor> ex) : ex_(std::move(ex)) {}

  std::shared_ptr<const DeviceData> get(const DatasetView& v) {
    const uint64_t fp = fingerprint(v);
    for (auto& e : entries_) {
      if (e.x != v.x || e.y != v.y || e.n != v.n || e.dim != v.dim || e.classes != v.classes)
        continue;
      if (e.data->fingerprint != fp) e.data = upload(v, fp);  // same address, new bytes
      return e.data;
    }
    entries_.push_back(Entry{v.x, v.y, v.n, v.dim, v.classes, upload(v, fp)});
    return entries_.back().data;
  }

 private:
  std::shared_ptr<DeviceData> upload(const DatasetView& v, uint64_t fp) {
    if (v.n < 0 || v.dim < 1 || v.classes < 1 || v.classes > 256)
      throw Error("dataset view with n = " + std::to_string(v.n) +
                  ", dim = " + std::to_string(v.dim) + ", classes = " + std::to_string(v.classes));
    for (int i = 0; i < v.n; ++i) {
      if (v.y[i] >= v.classes)
        throw DataError("label " + std::to_string(v.y[i]) + " of row " + std::to_string(i) +
                        " is not below the class count " + std::to_string(v.classes));
    }
    auto d = std::make_shared<DeviceData>();
    d->ex = ex_;
    d->n = v.n;
    d->dim = v.dim;
    d->classes = v.classes;
    d->fingerprint = fp;
    const size_t nx = static_cast<size_t>(v.n) * v.dim;
    d->x = DeviceArray<uint8_t>(ex_.get(), std::max<size_t>(nx, 1));
    d->y = DeviceArray<uint8_t>(ex_.get(), std::max(v.n, 1));
    if (nx) ex_->copy_to_device(d->x.get(), v.x, nx);
    if (v.n) ex_->copy_to_device(d->y.get(), v.y, v.n);
    return d;
  }

  struct Entry {
    const uint8_t* x;
    const uint8_t* y;
    int n, dim, classes;
    std::shared_ptr<DeviceData> data;
  };
  std::shared_ptr<Executor> ex_;
  std::vector<Entry> entries_;
};

// Closes the executor's step if an exception leaves one open.
class StepScope {
 public:
  explicit StepScope(Executor& ex) : ex_(ex) { ex_.begin_step(); }
  ~StepScope() {
    if (open_) {
      try {
        ex_.end_step();
      } catch (...) {  // already unwinding from the first error
      }
    }
  }
  void close() {
    open_ = false;
    ex_.end_step();
  }

 private:
  Executor& ex_;
  bool open_ = true;
};

// ---- One trial --------------------------------------------------------------------------

// Where a batch's rows come from: device bytes, and each row's dataset index (null:
// rows are consecutive from x / y).
struct Source {
  const uint8_t* x;
  const uint8_t* y;
  const uint32_t* rows;
  int dim;
};

class DeviceSession final : public TrialSession {
 public:
  DeviceSession(std::shared_ptr<Executor> ex, std::shared_ptr<DataCache> cache,
                const TrialConfig& cfg, const DatasetView& train)
      : ex_(std::move(ex)), cache_(std::move(cache)), cfg_(cfg), train_view_(train) {
    cfg_.validate();  // before widths(): it indexes sizes[] by hidden_layers
    widths_ = cfg_.widths(train.dim, train.classes);
    train_ = cache_->get(train);
    layers_ = static_cast<int>(widths_.size()) - 1;
    // Parameters as the CPU lays them out (W then b per layer), each layer starting on a
    // 16-byte boundary so cuBLAS (TF32) and vector loads see aligned operands; the padding
    // stays zero (zero gradient keeps it zero under RMSprop).
    size_t total = 0;
    for (int k = 0; k < layers_; ++k) {
      total = (total + 3) / 4 * 4;
      w_off_.push_back(total);
      total += static_cast<size_t>(widths_[k]) * widths_[k + 1];
      b_off_.push_back(total);
      total += widths_[k + 1];
    }
    total_ = total;
    params_ = DeviceArray<float>(ex_.get(), total_);
    grads_ = DeviceArray<float>(ex_.get(), total_);
    ms_ = DeviceArray<float>(ex_.get(), total_);
    mom_ = DeviceArray<float>(ex_.get(), total_);
    ex_->zero(params_.get(), total_ * sizeof(float));
    ex_->zero(grads_.get(), total_ * sizeof(float));
    ex_->zero(ms_.get(), total_ * sizeof(float));
    ex_->zero(mom_.get(), total_ * sizeof(float));
    set_weights(init_weights(cfg_, widths_.front(), widths_.back()));
    reserve_rows(cfg_.batch_size);
  }

  ~DeviceSession() override { quiesce(ex_.get()); }

  void set_weights(const Weights& w) override {
    if (w.widths() != widths_) throw Error("weights do not match the trial's layer widths");
    std::vector<float> host(total_, 0.0f);
    for (int k = 0; k < layers_; ++k) {
      std::copy(w.layers[k].w.begin(), w.layers[k].w.end(), host.begin() + w_off_[k]);
      std::copy(w.layers[k].b.begin(), w.layers[k].b.end(), host.begin() + b_off_[k]);
    }
    ex_->copy_to_device(params_.get(), host.data(), total_ * sizeof(float));
  }

  Weights weights() const override {
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

  PassStats train_epoch(const EpochRequest& req) override {
    PassStats st;
    const int n = train_view_.n, bs = cfg_.batch_size;
    int64_t steps = (static_cast<int64_t>(n) + bs - 1) / bs;
    if (req.max_steps >= 0) steps = std::min(steps, req.max_steps);
    if (steps <= 0) return st;
    if (!req.order) throw Error("train_epoch: no row order given");
    for (int i = 0; i < n; ++i) {
      if (req.order[i] >= static_cast<uint32_t>(n))
        throw Error("train_epoch: row order entry " + std::to_string(i) + " is out of range");
    }
    if (perm_.size() < static_cast<size_t>(n)) {
      ex_->synchronize();
      perm_ = DeviceArray<uint32_t>(ex_.get(), n);
    }
    ex_->copy_to_device(perm_.get(), req.order, static_cast<size_t>(n) * sizeof(uint32_t));
    reserve_slots(static_cast<size_t>(steps));
    std::vector<int> rows(steps);
    for (int64_t s = 0; s < steps; ++s) {
      const int start = static_cast<int>(s * bs);
      rows[s] = std::min(bs, n - start);
      const Source src{train_->x.get(), train_->y.get(), perm_.get() + start, train_->dim};
      train_step(src, rows[s], static_cast<uint32_t>(req.first_step + s), req.dropout,
                 static_cast<size_t>(s));
    }
    std::vector<double> loss(steps);
    std::vector<int64_t> correct(steps);
    ex_->copy_to_host(loss.data(), loss_slots_.get(), steps * sizeof(double));
    ex_->copy_to_host(correct.data(), correct_slots_.get(), steps * sizeof(int64_t));
    for (int64_t s = 0; s < steps; ++s) {
      st.loss_sum += loss[s];
      st.correct += correct[s];
      st.samples += rows[s];
      if (req.step_losses) req.step_losses->push_back(loss[s] / rows[s]);
    }
    st.steps = steps;
    return st;
  }

  PassStats evaluate(const DatasetView& data) override {
    PassStats st;
    if (data.n == 0) return st;
    if (data.dim != widths_.front() || data.classes > widths_.back())
      throw Error("evaluate: the data's shape does not fit the trial's network");
    std::shared_ptr<const DeviceData> dev = cache_->get(data);
    const int chunks = (data.n + kEvalChunk - 1) / kEvalChunk;
    reserve_rows(std::min(kEvalChunk, data.n));
    reserve_slots(static_cast<size_t>(chunks));
    for (int c = 0; c < chunks; ++c) {
      const int start = c * kEvalChunk, rows = std::min(kEvalChunk, data.n - start);
      const Source src{dev->x.get() + static_cast<size_t>(start) * dev->dim, dev->y.get() + start,
                       nullptr, dev->dim};
      StepScope scope(*ex_);
      std::vector<Staged<GemmProblem>> fwd;
      for (int k = 0; k < layers_; ++k)
        fwd.push_back(ex_->stage_gemm({forward_problem(k, src, rows, 0, false)}));
      Staged<XentProblem> xe = ex_->stage_xent({xent_problem(src, rows, false, c)});
      for (const auto& f : fwd) ex_->gemm(f);
      ex_->softmax_xent(xe);
      scope.close();
    }
    std::vector<double> loss(chunks);
    std::vector<int64_t> correct(chunks);
    ex_->copy_to_host(loss.data(), loss_slots_.get(), chunks * sizeof(double));
    ex_->copy_to_host(correct.data(), correct_slots_.get(), chunks * sizeof(int64_t));
    for (int c = 0; c < chunks; ++c) {
      st.loss_sum += loss[c];
      st.correct += correct[c];
    }
    st.samples = data.n;
    return st;
  }

 private:
  bool drops(int k, bool dropout) const {
    return dropout && k < layers_ - 1 && cfg_.dropout[k] && cfg_.dropout_rate[k] > 0.0;
  }
  // The input of layer k >= 1: the previous layer's output after dropout, if any.
  const float* input_of(int k, bool dropout) const {
    return drops(k - 1, dropout) ? h_[k - 1].get() : y_[k - 1].get();
  }

  void reserve_rows(int rows) {
    if (rows <= capacity_) return;
    ex_->synchronize();  // the old buffers may still be read by queued work
    capacity_ = rows;
    int maxw = 1;
    for (int k = 1; k <= layers_; ++k) maxw = std::max(maxw, widths_[k]);
    y_.clear();
    h_.clear();
    for (int k = 0; k < layers_; ++k) {
      const size_t count = static_cast<size_t>(rows) * widths_[k + 1];
      y_.emplace_back(ex_.get(), count);
      const bool has_dropout = k < layers_ - 1 && cfg_.dropout[k] && cfg_.dropout_rate[k] > 0.0;
      h_.emplace_back(ex_.get(), has_dropout ? count : 0);
    }
    for (auto& d : dz_) d = DeviceArray<float>(ex_.get(), static_cast<size_t>(rows) * maxw);
  }

  void reserve_slots(size_t n) {
    if (n <= loss_slots_.size()) return;
    ex_->synchronize();
    loss_slots_ = DeviceArray<double>(ex_.get(), n);
    correct_slots_ = DeviceArray<int64_t>(ex_.get(), n);
  }

  // Layer k forward: y_k = act(x W_k + b_k), and h_k = y_k * dropout factor (cpu:
  // dense_forward + dropout_forward). Layer 0 reads the bytes through the row indices.
  GemmProblem forward_problem(int k, const Source& src, int rows, uint32_t step,
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
    set_dropout(&p, k, step, dropout);
    if (p.drop_rate > 0.0f) p.h = h_[k].get();
    return p;
  }

  XentProblem xent_problem(const Source& src, int rows, bool train, size_t slot) const {
    XentProblem x{};
    x.z = y_[layers_ - 1].get();
    x.labels = src.y;
    x.rows_idx = src.rows;
    x.dz = train ? dz_[0].get() : nullptr;
    x.loss_sum = loss_slots_.get() + slot;
    x.correct = correct_slots_.get() + slot;
    x.rows = rows;
    x.classes = widths_.back();
    return x;
  }

  // Layer k backward from dz (cpu: dense_backward, then activation_backward of layer k-1):
  // dW|db = [X | 1]^T dz into the layer's contiguous gradient block, and for k > 0
  // dz_{k-1} = (dz W^T) * dropout factor_{k-1} * act'(y_{k-1}) into the other buffer.
  std::vector<GemmProblem> backward_problems(int k, const Source& src, int rows, uint32_t step,
                                             bool dropout, int cur) const {
    std::vector<GemmProblem> out;
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
      w.a = input_of(k, dropout);
      w.lda = widths_[k];
    }
    w.b_mode = kBRow;
    w.b = dz_[cur].get();
    w.ldb = widths_[k + 1];
    w.c = grads_.get() + w_off_[k];
    w.ldc = widths_[k + 1];
    w.epilogue = kStore;
    out.push_back(w);
    if (k > 0) {
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
      out.push_back(x);
    }
    return out;
  }

  // Dropout of hidden layer `layer` at `step` (nothing when it does not drop).
  void set_dropout(GemmProblem* p, int layer, uint32_t step, bool dropout) const {
    if (!drops(layer, dropout)) return;
    p->drop_rate = static_cast<float>(cfg_.dropout_rate[layer]);
    p->seed = cfg_.seed;
    p->trial = static_cast<uint32_t>(cfg_.index);
    p->layer = static_cast<uint32_t>(layer);
    p->step = step;
  }

  void train_step(const Source& src, int rows, uint32_t step, bool dropout, size_t slot) {
    StepScope scope(*ex_);
    std::vector<Staged<GemmProblem>> fwd, bwd;
    for (int k = 0; k < layers_; ++k)
      fwd.push_back(ex_->stage_gemm({forward_problem(k, src, rows, step, dropout)}));
    Staged<XentProblem> xe = ex_->stage_xent({xent_problem(src, rows, true, slot)});
    int cur = 0;
    for (int k = layers_ - 1; k >= 0; --k, cur ^= 1)
      bwd.push_back(ex_->stage_gemm(backward_problems(k, src, rows, step, dropout, cur)));
    RmspropProblem r{};
    r.w = params_.get();
    r.g = grads_.get();
    r.ms = ms_.get();
    r.mom = mom_.get();
    r.n = static_cast<int64_t>(total_);
    r.lr = static_cast<float>(cfg_.learning_rate);
    r.momentum = static_cast<float>(cfg_.momentum);
    Staged<RmspropProblem> rms = ex_->stage_rmsprop({r});
    for (const auto& f : fwd) ex_->gemm(f);
    ex_->softmax_xent(xe);
    for (const auto& b : bwd) ex_->gemm(b);
    ex_->rmsprop(rms);
    scope.close();
  }

  std::shared_ptr<Executor> ex_;  // first: outlives every array below
  std::shared_ptr<DataCache> cache_;
  TrialConfig cfg_;
  DatasetView train_view_;
  std::shared_ptr<const DeviceData> train_;
  std::vector<int> widths_;
  int layers_ = 0;
  std::vector<size_t> w_off_, b_off_;
  size_t total_ = 0;
  DeviceArray<float> params_, grads_, ms_, mom_;
  int capacity_ = 0;
  std::vector<DeviceArray<float>> y_, h_;
  DeviceArray<float> dz_[2];
  DeviceArray<uint32_t> perm_;
  DeviceArray<double> loss_slots_;
  DeviceArray<int64_t> correct_slots_;
};

// The packed scheduler on the backend's executor (host/packed/packed_scheduler.h).
class DevicePacked final : public PackedTraining {
 public:
  explicit DevicePacked(Executor* ex) : ex_(ex) {}
  PackedStats run(const std::vector<TrialConfig>& trials, const DatasetView& train,
                  const DatasetView& val, const PackedOptions& opt) override {
    return packed::run_packed(*ex_, trials, train, val, opt);
  }

 private:
  Executor* ex_;
};

class DeviceBackend final : public Backend {
 public:
  DeviceBackend(std::shared_ptr<Executor> ex, std::string device)
      : ex_(std::move(ex)),
        cache_(std::make_shared<DataCache>(ex_)),
        device_(std::move(device)),
        packed_(ex_.get()) {}
  std::string name() const override { return "cuda"; }
  std::string device() const override { return device_; }
  std::unique_ptr<TrialSession> open(const TrialConfig& cfg, const DatasetView& train) override {
    return std::make_unique<DeviceSession>(ex_, cache_, cfg, train);
  }
  PackedTraining* packed() override { return &packed_; }

 private:
  std::shared_ptr<Executor> ex_;
  std::shared_ptr<DataCache> cache_;
  std::string device_;
  DevicePacked packed_;
};

}  // namespace

std::unique_ptr<Backend> make_device_backend(std::shared_ptr<Executor> ex, std::string device) {
  return std::make_unique<DeviceBackend>(std::move(ex), std::move(device));
}

}  // namespace qrsweep
