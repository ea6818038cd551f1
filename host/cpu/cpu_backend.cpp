// The CPU reference backend: one trial's forward, backward and RMSprop steps over its own buffers,
// BLAS for the products (docs/semantics.md#training, exactly; the oracle for the CUDA kernels).
// The results do not depend on the thread count (cpu/ops.h, kGemmRowBlock).
#include "cpu/cpu_backend.h"

#include <cblas.h>

#include <algorithm>

#include "core/cores.h"
#include "core/trial_layout.h"
#include "cpu/ops.h"

namespace qrsweep {
namespace {

class CpuSession final : public TrialSession {
 public:
  CpuSession(const TrialConfig& cfg, const DatasetView& train, int threads)
      : cfg_(cfg),
        train_(train),
        layout_(cfg, train.dim, train.classes),
        widths_(layout_.widths()),
        threads_(threads) {
    layers_ = layout_.layers();
    const size_t total = layout_.param_floats();
    params_.assign(total, 0.0f);
    grads_.assign(total, 0.0f);
    ms_.assign(total, 0.0f);
    mom_.assign(total, 0.0f);
    set_weights(init_weights(cfg_, widths_.front(), widths_.back()));
    hyper_.lr = static_cast<float>(cfg_.learning_rate);
    hyper_.momentum = static_cast<float>(cfg_.momentum);
    resize_batch(cfg_.batch_rows(train_.n));
  }

  void set_weights(const Weights& w) override { layout_.pack(w, params_.data()); }
  Weights weights() const override { return layout_.unpack(params_.data()); }

  // RMSprop's mean squares, then its momentum buffer, in the parameters' order.
  std::vector<float> optimizer_state() const override {
    std::vector<float> s(ms_);
    s.insert(s.end(), mom_.begin(), mom_.end());
    return s;
  }

  void set_optimizer_state(const std::vector<float>& s) override {
    layout_.check_optimizer_state(s.size());
    std::copy(s.begin(), s.begin() + ms_.size(), ms_.begin());
    std::copy(s.begin() + ms_.size(), s.end(), mom_.begin());
  }

  PassStats train_epoch(const EpochRequest& req) override {
    PassStats st;
    const int n = train_.n, bs = cfg_.batch_size;
    for (int start = 0; start < n; start += bs) {
      if (req.max_steps >= 0 && st.steps >= req.max_steps) break;
      if (req.should_stop && req.should_stop()) {
        st.interrupted = true;
        break;
      }
      int b = std::min(bs, n - start);
      uint32_t step = static_cast<uint32_t>(req.first_step + st.steps);
      double loss_before = st.loss_sum;
      train_step(req.order + start, b, step, req.dropout, &st);
      if (req.step_losses) req.step_losses->push_back((st.loss_sum - loss_before) / b);
      st.samples += b;
      ++st.steps;
    }
    return st;
  }

  PassStats evaluate(const DatasetView& data) override {
    PassStats st;
    resize_batch(kEvalChunkRows);
    std::vector<uint32_t> idx(kEvalChunkRows);
    for (int start = 0; start < data.n; start += kEvalChunkRows) {
      int b = std::min(kEvalChunkRows, data.n - start);
      for (int r = 0; r < b; ++r) idx[r] = static_cast<uint32_t>(start + r);
      forward(data, idx.data(), b, /*dropout=*/false, 0);
      cpu::softmax_xent(y_[layers_ - 1].data(), labels_.data(), b, widths_.back(), &st.loss_sum,
                        &st.correct, static_cast<float*>(nullptr));
      st.samples += b;
    }
    return st;
  }

 private:
  void resize_batch(int rows) {
    if (rows <= capacity_) return;
    capacity_ = rows;
    size_t maxw = *std::max_element(widths_.begin(), widths_.end());
    x0_.resize(size_t(rows) * widths_[0]);
    labels_.resize(rows);
    y_.resize(layers_);
    h_.resize(layers_);
    factor_.resize(layers_);
    for (int k = 0; k < layers_; ++k) {
      y_[k].resize(size_t(rows) * widths_[k + 1]);
      if (k < layers_ - 1 && cfg_.dropout[k]) {
        h_[k].resize(y_[k].size());
        factor_[k].resize(y_[k].size());
      }
    }
    dbuf_[0].resize(size_t(rows) * maxw);
    dbuf_[1].resize(size_t(rows) * maxw);
  }

  bool drops(int k, bool dropout) const { return dropout && layout_.has_dropout(k); }
  // The input to layer k (k = 0: the gathered images).
  const float* layer_input(int k, bool dropout) const {
    if (k == 0) return x0_.data();
    return drops(k - 1, dropout) ? h_[k - 1].data() : y_[k - 1].data();
  }

  void forward(const DatasetView& data, const uint32_t* idx, int b, bool dropout, uint32_t step) {
    if (data.xf)
      cpu::gather_input(data.xf, data.dim, idx, b, x0_.data());
    else
      cpu::gather_input(data.x, data.dim, idx, b, x0_.data());
    for (int r = 0; r < b; ++r) labels_[r] = data.y[idx[r]];
    for (int k = 0; k < layers_; ++k) {
      Activation act = k == layers_ - 1 ? Activation::kNone : cfg_.activation;
      cpu::dense_forward(layer_input(k, dropout), b, widths_[k], params_.data() + layout_.w(k),
                         params_.data() + layout_.b(k), widths_[k + 1], act, y_[k].data(), threads_);
      if (drops(k, dropout))
        cpu::dropout_forward(y_[k].data(), size_t(b) * widths_[k + 1],
                             static_cast<float>(cfg_.dropout_rate[k]), cfg_.seed,
                             static_cast<uint32_t>(cfg_.index), static_cast<uint32_t>(k), step,
                             factor_[k].data(), h_[k].data());
    }
  }

  void train_step(const uint32_t* idx, int b, uint32_t step, bool dropout, PassStats* st) {
    forward(train_, idx, b, dropout, step);
    float* dz = dbuf_[0].data();
    float* dx = dbuf_[1].data();
    cpu::softmax_xent(y_[layers_ - 1].data(), labels_.data(), b, widths_.back(), &st->loss_sum,
                      &st->correct, dz);
    for (int k = layers_ - 1; k >= 0; --k) {
      cpu::dense_backward(layer_input(k, dropout), b, widths_[k], params_.data() + layout_.w(k),
                          widths_[k + 1], dz, grads_.data() + layout_.w(k), grads_.data() + layout_.b(k),
                          k > 0 ? dx : nullptr, threads_);
      if (k > 0) {
        cpu::activation_backward(dx, y_[k - 1].data(),
                                 drops(k - 1, dropout) ? factor_[k - 1].data() : nullptr,
                                 size_t(b) * widths_[k], cfg_.activation);
        std::swap(dz, dx);
      }
    }
    cpu::rmsprop_update(params_.data(), grads_.data(), ms_.data(), mom_.data(), params_.size(),
                        hyper_);
  }

  TrialConfig cfg_;
  DatasetView train_;
  TrialLayout layout_;  // validates cfg_ first
  std::vector<int> widths_;
  int threads_;
  int layers_ = 0;
  std::vector<float> params_, grads_, ms_, mom_;
  RmspropHyper hyper_{};
  int capacity_ = 0;
  std::vector<float> x0_;
  std::vector<uint8_t> labels_;
  std::vector<std::vector<float>> y_, h_, factor_;
  std::vector<float> dbuf_[2];
};

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const BackendOptions& opt) {
    threads_ = opt.threads > 0 ? opt.threads : usable_cores();
    // OpenBLAS's own threads would make a product's result depend on the thread count;
    // the products spread their fixed row blocks over threads_ instead (cpu/ops.h).
    openblas_set_num_threads(1);
  }
  std::string name() const override { return "cpu"; }
  std::string device() const override {
    return std::to_string(threads_) + " CPU thread(s), OpenBLAS";
  }
  std::unique_ptr<TrialSession> open(const TrialConfig& cfg, const DatasetView& train) override {
    return std::make_unique<CpuSession>(cfg, train, threads_);
  }

 private:
  int threads_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& opt) {
  return std::make_unique<CpuBackend>(opt);
}

}  // namespace qrsweep
