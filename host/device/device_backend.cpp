// One trial's training on an Executor (see device_backend.h): each step and evaluation pass
// is the step plan's (device/step_plan.h) for a group of one, the CPU reference session's
// sequence of operations (host/cpu/cpu_backend.cpp) as grouped launches.
#include "device/device_backend.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "device/device_dataset.h"
#include "device/packed_scheduler.h"
#include "device/step_plan.h"
#include "device/trial_buffers.h"
#include "qrsweep/common.h"
#include "qrsweep/trainer.h"

namespace qrsweep {
namespace {

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
  DeviceArray<float> xf;  // float features (dataset.h); x is one byte then
  int n = 0, dim = 0, classes = 0;
  uint64_t fingerprint = 0;
  ~DeviceData() { quiesce(ex.get()); }
};

// FNV-1a over a sample of the bytes: catches a view whose memory was reused for other data.
uint64_t fingerprint(const DatasetView& v) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  const size_t nx = static_cast<size_t>(v.n) * v.dim;
  for (size_t s = 0; nx && s < 256; ++s) {
    if (!v.xf) {
      mix(v.x[s * nx / 256]);
      continue;
    }
    uint8_t b[sizeof(float)];
    std::memcpy(b, &v.xf[s * nx / 256], sizeof b);
    for (uint8_t c : b) mix(c);
  }
  for (size_t s = 0; v.n && s < 64; ++s) mix(v.y[s * static_cast<size_t>(v.n) / 64]);
  return h;
}

class DataCache {
 public:
  explicit DataCache(std::shared_ptr<Executor> ex) : ex_(std::move(ex)) {}

  std::shared_ptr<const DeviceData> get(const DatasetView& v) {
    const uint64_t fp = fingerprint(v);
    for (auto& e : entries_) {
      if (e.x != v.x || e.xf != v.xf || e.y != v.y || e.n != v.n || e.dim != v.dim ||
          e.classes != v.classes)
        continue;
      if (e.data->fingerprint != fp) e.data = upload(v, fp);  // same address, new bytes
      return e.data;
    }
    entries_.push_back(Entry{v.x, v.xf, v.y, v.n, v.dim, v.classes, upload(v, fp)});
    return entries_.back().data;
  }

 private:
  std::shared_ptr<DeviceData> upload(const DatasetView& v, uint64_t fp) {
    if (v.n < 0 || v.dim < 1 || v.classes < 1 || v.classes > 256)
      throw Error("dataset view with n = " + std::to_string(v.n) +
                  ", dim = " + std::to_string(v.dim) + ", classes = " + std::to_string(v.classes));
    check_labels(v, v.classes);
    auto d = std::make_shared<DeviceData>();
    d->ex = ex_;
    d->n = v.n;
    d->dim = v.dim;
    d->classes = v.classes;
    d->fingerprint = fp;
    DeviceDataset up = upload_dataset(ex_.get(), v);
    d->x = std::move(up.x);
    d->y = std::move(up.y);
    d->xf = std::move(up.xf);
    return d;
  }

  struct Entry {
    const uint8_t* x;
    const float* xf;
    const uint8_t* y;
    int n, dim, classes;
    std::shared_ptr<DeviceData> data;
  };
  std::shared_ptr<Executor> ex_;
  std::vector<Entry> entries_;
};

// ---- One trial --------------------------------------------------------------------------

// `cfg`, once validate() has accepted it (a bad config fails before the data is uploaded).
const TrialConfig& validated(const TrialConfig& cfg) {
  cfg.validate();
  return cfg;
}

class DeviceSession final : public TrialSession {
 public:
  DeviceSession(std::shared_ptr<Executor> ex, std::shared_ptr<DataCache> cache,
                const TrialConfig& cfg, const DatasetView& train)
      : ex_(std::move(ex)),
        cache_(std::move(cache)),
        cfg_(validated(cfg)),
        train_view_(train),
        train_(cache_->get(train)),
        net_(ex_.get(), cfg_, train.dim, train.classes,
             trial_arena(cfg_, train.n, std::max(train.n, kEvalChunkRows))) {}

  ~DeviceSession() override { quiesce(ex_.get()); }

  void set_weights(const Weights& w) override { net_.set_weights(w); }
  Weights weights() const override { return net_.weights(); }
  // Read back from / written into the trial's RMSprop buffers (TrialBuffers).
  std::vector<float> optimizer_state() const override { return net_.optimizer_state(); }
  void set_optimizer_state(const std::vector<float>& s) override { net_.set_optimizer_state(s); }

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
    ex_->copy_to_device(net_.order(), req.order, static_cast<size_t>(n) * sizeof(uint32_t));
    const Slots slots = net_.train_slots();
    std::vector<int> rows(steps);
    for (int64_t s = 0; s < steps; ++s) {
      if (req.should_stop && req.should_stop()) {
        st.interrupted = true;
        steps = s;  // read back only the steps launched
        break;
      }
      const int start = static_cast<int>(s * bs);
      rows[s] = std::min(bs, n - start);
      const Source src{train_->x.get(), train_->y.get(), net_.order() + start, train_->dim,
                       train_->xf.get()};
      run_step(*ex_, Pass::kTrain,
               {StepMember{&net_, src, rows[s], static_cast<uint32_t>(req.first_step + s),
                           req.dropout, slots.loss + s, slots.correct + s}});
    }
    if (steps == 0) return st;
    std::vector<double> loss;
    add_slots(*ex_, slots, steps, &st, &loss);
    for (int64_t s = 0; s < steps; ++s) {
      st.samples += rows[s];
      if (req.step_losses) req.step_losses->push_back(loss[s] / rows[s]);
    }
    st.steps = steps;
    return st;
  }

  PassStats evaluate(const DatasetView& data) override {
    PassStats st;
    if (data.n == 0) return st;
    if (data.dim != net_.widths().front() || data.classes > net_.widths().back())
      throw Error("evaluate: the data's shape does not fit the trial's network");
    std::shared_ptr<const DeviceData> dev = cache_->get(data);
    // In groups of as many chunks as the trial has slots, read back after each.
    const int chunks = eval_chunks(data.n);
    const int group = static_cast<int>(net_.layout().arena().eval_slots);
    const DeviceRows rows{dev->x.get(), dev->y.get(), data.n, dev->dim, dev->xf.get()};
    for (int first = 0; first < chunks; first += group) {
      const int count = std::min(group, chunks - first);
      run_evaluation(*ex_, {EvalMember{&net_, net_.eval_slots()}}, rows, first, count);
      add_slots(*ex_, net_.eval_slots(), count, &st);
    }
    st.samples = data.n;
    return st;
  }

 private:
  std::shared_ptr<Executor> ex_;  // first: outlives every array below
  std::shared_ptr<DataCache> cache_;
  TrialConfig cfg_;
  DatasetView train_view_;
  std::shared_ptr<const DeviceData> train_;
  TrialBuffers net_;  // after ex_: freed before the executor
};

// The packed scheduler on the backend's executor (device/packed_scheduler.h).
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
  std::string name() const override { return ex_->name(); }
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
