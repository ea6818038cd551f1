// TrialConfig helpers: names of structures and activations, derived widths, validation.
#include "qrsweep/trial.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "io/echo.h"
#include "qrsweep/common.h"

namespace qrsweep {

namespace {
const char* const kStructureNames[] = {"Uniform",        "Ascending min",  "Ascending max",
                                       "Descending min", "Descending max", "Random",
                                       "Given"};
}

const char* structure_name(Structure s) { return kStructureNames[static_cast<int>(s)]; }

Structure parse_structure(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(Structure::kGiven); ++i)
    if (name == kStructureNames[i]) return static_cast<Structure>(i);
  throw ConfigError("unknown structure '" + clip_for_message(name, 40) +
                    "' (expected Uniform, Ascending min, Ascending max, Descending min, "
                    "Descending max, Random or Given)");
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kRelu: return "relu";
    case Activation::kTanh: return "tanh";
    case Activation::kSigmoid: return "sigmoid";
    default: return "linear";
  }
}

Activation parse_activation(const std::string& name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid") return Activation::kSigmoid;
  throw ConfigError("unknown activation '" + clip_for_message(name, 40) +
                    "' (expected relu, tanh or sigmoid)");
}

int TrialConfig::batch_rows(int train_rows) const {
  return std::max(1, std::min(batch_size, train_rows));
}

std::vector<int> TrialConfig::widths(int inputs, int classes) const {
  std::vector<int> w{inputs};
  for (int k = 0; k < hidden_layers; ++k) w.push_back(sizes[k]);
  w.push_back(classes);
  return w;
}

int64_t TrialConfig::parameter_count(int inputs, int classes) const {
  auto w = widths(inputs, classes);
  int64_t p = 0;
  for (size_t k = 1; k < w.size(); ++k) p += static_cast<int64_t>(w[k - 1]) * w[k] + w[k];
  return p;
}

void TrialConfig::validate() const {
  auto fail = [&](const std::string& what) {
    std::ostringstream m;
    m << "trial " << index << ": " << what;
    throw ConfigError(m.str());
  };
  if (hidden_layers < 1 || hidden_layers > kMaxHiddenLayers)
    fail("hidden_layers = " + std::to_string(hidden_layers) + " is outside 1..5");
  for (int k = 0; k < hidden_layers; ++k) {
    if (sizes[k] < 1) fail("L" + std::to_string(k + 1) + "N = " + std::to_string(sizes[k]) + " < 1");
    double r = dropout_rate[k];
    if (!(r >= 0.0 && r < 1.0))
      fail("D" + std::to_string(k + 1) + "R = " + std::to_string(r) + " is outside [0, 1)");
  }
  if (!(learning_rate > 0.0) || !std::isfinite(learning_rate))
    fail("learning_rate = " + std::to_string(learning_rate) + " must be > 0");
  if (!(momentum >= 0.0 && momentum <= 1.0))
    fail("momentum = " + std::to_string(momentum) + " is outside [0, 1]");
  if (batch_size < 1) fail("batch_size = " + std::to_string(batch_size) + " < 1");
  if (max_epochs < 1) fail("max_epochs = " + std::to_string(max_epochs) + " < 1");
  if (patience < 1) fail("patience = " + std::to_string(patience) + " < 1");
}

}  // namespace qrsweep
