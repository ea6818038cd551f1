// self_check_against_cpu (self_check.h).
#include "backends/self_check.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "cpu/cpu_backend.h"
#include "qrsweep/common.h"
#include "qrsweep/philox.h"
#include "qrsweep/trainer.h"

namespace qrsweep {
namespace {

constexpr uint64_t kSeed = 0x5E1FC4EC;

// 256 rows of 24 byte features, 5 classes: random, which is all a few steps need.
Dataset check_data() {
  Dataset d;
  d.n = 256;
  d.dim = 24;
  d.classes = 5;
  d.source = "the self-check's synthetic rows";
  const PhiloxStream s{kSeed, 0xFFFFFFFEu, 0};
  d.x.resize(static_cast<size_t>(d.n) * d.dim);
  for (size_t e = 0; e < d.x.size(); ++e) d.x[e] = static_cast<uint8_t>(s.word(e) >> 24);
  d.y.resize(d.n);
  for (int i = 0; i < d.n; ++i) d.y[i] = static_cast<uint8_t>(below(s.word(d.x.size() + i), 5));
  return d;
}

std::vector<TrialConfig> check_trials() {
  std::vector<TrialConfig> out;
  auto trial = [&](Activation act, std::vector<int> sizes, int drop_layer, double rate,
                   double momentum, int batch) {
    TrialConfig c;
    c.index = static_cast<int>(out.size());
    c.seed = kSeed;
    c.activation = act;
    c.hidden_layers = static_cast<int>(sizes.size());
    for (size_t k = 0; k < sizes.size(); ++k) c.sizes[k] = sizes[k];
    if (drop_layer >= 0) {
      c.dropout[drop_layer] = true;
      c.dropout_rate[drop_layer] = rate;
    }
    c.allow_dropout = drop_layer >= 0;
    c.learning_rate = 0.01;
    c.momentum = momentum;
    c.allow_momentum = momentum > 0;
    c.batch_size = batch;
    c.max_epochs = 1;
    out.push_back(c);
  };
  trial(Activation::kRelu, {16, 12}, 0, 0.25, 0.5, 64);
  trial(Activation::kTanh, {20}, -1, 0.0, 0.0, 50);  // 192 rows: a last batch of 42
  trial(Activation::kSigmoid, {12, 10, 8}, 1, 0.1, 0.9, 32);
  return out;
}

void compare(const Backend& backend, const TrialConfig& c, const char* path, const char* what,
             double got, double want, double rel) {
  const double diff = std::fabs(got - want);
  if (std::isfinite(got) && diff <= rel * std::fabs(want)) return;
  char msg[512];
  std::snprintf(msg, sizeof msg,
                "%s backend self-check failed: trial %d (%s, %s): %s %.9g on %s but %.9g on "
                "the CPU (relative difference %.2g, allowed %.2g); this backend is not trusted "
                "on this machine: use --backend cpu, and report the GPU, its driver and this "
                "message",
                backend.name().c_str(), c.index, activation_name(c.activation), path, what, got,
                backend.device().c_str(), want, diff / std::fabs(want), rel);
  throw Error(msg);
}

}  // namespace

void self_check_against_cpu(Backend& backend, double rel) {
  const Dataset data = check_data();
  const DatasetView val = data.view().rows(0, 64), fit = data.view().rows(64, 192);
  const std::vector<TrialConfig> trials = check_trials();
  BackendOptions one_thread;
  one_thread.threads = 1;
  auto cpu = make_cpu_backend(one_thread);
  TrainOptions opt;
  opt.fixed_epochs = 1;
  std::vector<EpochMetrics> want;
  for (const TrialConfig& c : trials) {
    auto session = cpu->open(c, fit);
    want.push_back(train_trial(*session, c, fit, val, opt).history.at(0));
  }
  auto check = [&](const TrialConfig& c, const TrialResult& r, const char* path) {
    if (r.history.empty())
      throw Error(backend.name() + " backend self-check failed: trial " + std::to_string(c.index) +
                  " (" + path + ") trained no epoch");
    const EpochMetrics& got = r.history[0];
    compare(backend, c, path, "training loss", got.loss, want[c.index].loss, rel);
    compare(backend, c, path, "validation loss", got.val_loss, want[c.index].val_loss, rel);
  };
  for (const TrialConfig& c : trials) {
    auto session = backend.open(c, fit);
    check(c, train_trial(*session, c, fit, val, opt), "one session");
  }
  if (PackedTraining* packed = backend.packed()) {
    std::map<int, TrialResult> results;
    std::map<int, std::string> errors;
    PackedOptions po;
    po.fixed_epochs = 1;
    po.on_finish = [&](const TrialConfig& c, const TrialResult& r, const std::string& error) {
      results[c.index] = r;
      if (!error.empty()) errors[c.index] = error;
    };
    packed->run(trials, fit, val, po);
    for (const TrialConfig& c : trials) {
      if (errors.count(c.index))
        throw Error(backend.name() + " backend self-check failed: trial " +
                    std::to_string(c.index) + " (packed) failed: " + errors[c.index]);
      check(c, results[c.index], "packed");
    }
  }
}

}  // namespace qrsweep
