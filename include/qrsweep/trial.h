// One trial's resolved configuration: the notebook's per-trial columns
// (docs/sweep.md#qrsweep-export) plus what qrsweep adds (index, training seed, epoch budget).
// Everything a backend needs to train the trial, and everything the store writes back.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "qrsweep/math.h"

namespace qrsweep {

constexpr int kMaxHiddenLayers = 5;

enum class Structure : int {
  kUniform = 0,
  kAscendingMin,
  kAscendingMax,
  kDescendingMin,
  kDescendingMax,
  kRandom,
  kGiven,  // set by hand in a train config, not by the sampler
};

const char* structure_name(Structure s);
Structure parse_structure(const std::string& name);  // throws ConfigError
const char* activation_name(Activation a);
Activation parse_activation(const std::string& name);  // throws ConfigError

struct TrialConfig {
  int index = 0;             // position in the sweep's plan
  uint64_t seed = 0;         // sweep seed: keys every Philox stream of the trial
  Structure structure = Structure::kGiven;
  int hidden_layers = 2;     // 2..5 from the sampler; 1..5 accepted by `train`
  Activation activation = Activation::kRelu;
  bool allow_dropout = true;
  bool allow_momentum = true;
  std::array<int, kMaxHiddenLayers> sizes{};       // L1N..L5N, 0 past hidden_layers
  std::array<bool, kMaxHiddenLayers> dropout{};    // D1..D5
  std::array<double, kMaxHiddenLayers> dropout_rate{};  // D1R..D5R, 0 where no dropout
  double learning_rate = 0.001;
  double momentum = 0.0;
  int batch_size = 32;
  int max_epochs = 100;
  int patience = 5;

  // Layer widths including input and the output: {in, L1N, .., LkN, classes}.
  std::vector<int> widths(int inputs, int classes) const;
  // Rows of the largest training batch on `train_rows` rows: batch_size, or all the rows
  // when there are fewer. Batch buffers are sized by this, not by batch_size.
  int batch_rows(int train_rows) const;
  // Dense parameter count P (docs/semantics.md#cost-model).
  int64_t parameter_count(int inputs, int classes) const;
  // Throws ConfigError naming the field when the config cannot be trained.
  void validate() const;
  // Every field equal (host/core/trial_fields.h lists them): the same row of the same plan,
  // a store's row against the sampler's.
  bool operator==(const TrialConfig& o) const;
  bool operator!=(const TrialConfig& o) const { return !(*this == o); }
};

}  // namespace qrsweep
