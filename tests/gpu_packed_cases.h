// The packed scheduler's test mix, shared by the host test (reference executor) and its GPU
// twin: twelve trials of different depths, widths, batch sizes (1, 5, ..., larger than the
// set), activations, dropout on and off and both RMSprop branches, plus a run helper.
#pragma once
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "qrsweep/backend.h"
#include "qrsweep/trainer.h"
#include "support/test_support.h"

namespace qrsweep::test {

struct PackedOutcome {
  TrialResult result;
  std::string error;
  int finishes = 0;  // on_finish calls (must be exactly one)
};
using PackedOutcomes = std::map<int, PackedOutcome>;

inline DataSplits packed_dataset() {
  DataSplits d;
  d.train = synthetic_dataset(170, 12, 4, 7u);
  d.validation = 50;  // 120 training rows, 50 validation rows
  return d;
}

inline std::vector<TrialConfig> packed_mix(uint64_t seed = 20240611u) {
  struct Row {
    int layers;
    std::vector<int> sizes;
    Activation act;
    std::vector<double> drop;  // per hidden layer, 0 = off
    double momentum, lr;
    int batch;
  };
  const std::vector<Row> rows = {
      {2, {8, 6}, Activation::kRelu, {0, 0}, 0.0, 0.01, 5},
      {3, {16, 8, 4}, Activation::kTanh, {0.3, 0, 0}, 0.9, 0.002, 7},
      {1, {5}, Activation::kSigmoid, {0}, 0.5, 0.05, 32},
      {5, {9, 9, 9, 9, 9}, Activation::kRelu, {0, 0.2, 0, 0.5, 0}, 0.0, 0.003, 16},
      {2, {40, 20}, Activation::kTanh, {0, 0}, 0.0, 0.02, 120},
      {4, {7, 13, 5, 11}, Activation::kSigmoid, {0.1, 0, 0, 0}, 0.8, 0.01, 11},
      {2, {64, 64}, Activation::kRelu, {0.5, 0.5}, 0.9, 0.001, 200},
      {3, {3, 3, 3}, Activation::kRelu, {0, 0, 0}, 0.0, 0.004, 1},
      {2, {12, 6}, Activation::kRelu, {0, 0}, 0.9, 0.05, 60},
      {3, {20, 10, 5}, Activation::kTanh, {0, 0, 0.25}, 0.0, 0.01, 9},
      {2, {30, 2}, Activation::kSigmoid, {0, 0}, 0.3, 0.03, 25},
      {5, {6, 7, 8, 9, 10}, Activation::kTanh, {0, 0, 0, 0, 0.4}, 0.9, 0.002, 13},
  };
  std::vector<TrialConfig> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    TrialConfig c;
    c.index = static_cast<int>(i) + 3;  // indices need not start at 0
    c.seed = seed;
    c.hidden_layers = rows[i].layers;
    c.activation = rows[i].act;
    for (int k = 0; k < rows[i].layers; ++k) {
      c.sizes[k] = rows[i].sizes[k];
      c.dropout[k] = rows[i].drop[k] > 0;
      c.dropout_rate[k] = rows[i].drop[k];
    }
    c.momentum = rows[i].momentum;
    c.learning_rate = rows[i].lr;
    c.batch_size = rows[i].batch;
    c.max_epochs = 4;
    c.patience = 2;
    out.push_back(c);
  }
  return out;
}

// Makes `opt` keep each trial's outcome in `out` by index (then call the caller's on_finish,
// if any); `out` must outlive the run.
inline void collect_outcomes(PackedOptions& opt, PackedOutcomes& out) {
  auto also = std::move(opt.on_finish);
  opt.on_finish = [&out, also](const TrialConfig& c, const TrialResult& r, const std::string& e) {
    PackedOutcome& o = out[c.index];
    o.result = r;
    o.error = e;
    ++o.finishes;
    if (also) also(c, r, e);
  };
}

// Runs `trials` through `packed` and collects each trial's outcome by index.
inline PackedOutcomes run_packed_mix(PackedTraining& packed, const std::vector<TrialConfig>& trials,
                                     const DataSplits& data, PackedOptions opt,
                                     PackedStats* stats = nullptr) {
  PackedOutcomes out;
  collect_outcomes(opt, out);
  PackedStats s = packed.run(trials, data.fit(), data.val(), opt);
  if (stats) *stats = s;
  return out;
}

// Bit-for-bit equality of two histories (the seconds excepted).
inline void expect_same_history(const TrialResult& a, const TrialResult& b,
                                const std::string& what) {
  ASSERT_EQ(a.history.size(), b.history.size()) << what;
  EXPECT_EQ(a.reason, b.reason) << what;
  EXPECT_EQ(a.steps, b.steps) << what;
  for (size_t e = 0; e < a.history.size(); ++e) {
    const EpochMetrics& x = a.history[e];
    const EpochMetrics& y = b.history[e];
    EXPECT_EQ(x.epoch, y.epoch) << what;
    EXPECT_EQ(x.loss, y.loss) << what << " epoch " << x.epoch;
    EXPECT_EQ(x.accuracy, y.accuracy) << what << " epoch " << x.epoch;
    EXPECT_EQ(x.val_loss, y.val_loss) << what << " epoch " << x.epoch;
    EXPECT_EQ(x.val_accuracy, y.val_accuracy) << what << " epoch " << x.epoch;
  }
}

inline void expect_same_outcomes(const PackedOutcomes& a, const PackedOutcomes& b,
                                 const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (const auto& [index, o] : a) {
    auto it = b.find(index);
    ASSERT_NE(it, b.end()) << what << ": trial " << index;
    EXPECT_EQ(o.error, it->second.error) << what << ": trial " << index;
    EXPECT_EQ(o.finishes, 1) << what << ": trial " << index;
    EXPECT_EQ(it->second.finishes, 1) << what << ": trial " << index;
    expect_same_history(o.result, it->second.result, what + ": trial " + std::to_string(index));
  }
}

}  // namespace qrsweep::test
