// model_metadata (weights.h): the facts a safetensors reader cannot see in the tensors.
#include <cstdio>
#include <string>

#include "qrsweep/dataset.h"
#include "qrsweep/trial.h"
#include "qrsweep/weights.h"

namespace qrsweep {

std::vector<std::pair<std::string, std::string>> model_metadata(const TrialConfig& cfg) {
  std::string sizes;
  for (int k = 0; k < cfg.hidden_layers; ++k)
    sizes += (k ? "," : "") + std::to_string(cfg.sizes[k]);
  return {
      {"format", "qrsweep mlp"},
      {"layout",
       "dense_k.weight is [in, out] (tf.keras layout): y = x @ W + b; torch.nn.Linear wants "
       "weight.T"},
      {"preprocessing", "x / 255: every feature is an integer 0..255 divided by 255"},
      {"activation", activation_name(cfg.activation)},
      {"activation_layers", "after every dense layer but the last"},
      {"outputs", "logits: softmax gives probabilities, argmax the class"},
      {"dropout", "training only: inference uses the weights as stored, no dropout, no scaling"},
      {"hidden_sizes", sizes},
      {"qrsweep_version", QRSWEEP_VERSION},
      {"trial", std::to_string(cfg.index)},
      {"seed", std::to_string(cfg.seed)},
  };
}

namespace {
std::string number_list(const std::vector<double>& v) {
  std::string out;
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.9g", v[i]);
    out += (i ? "," : "") + std::string(buf);
  }
  return out;
}
}  // namespace

void set_preprocessing_metadata(std::vector<std::pair<std::string, std::string>>& meta,
                                const DataSplits& data) {
  std::string text;
  if (data.scale == "none") {
    text = "none: the features as given, as float32";
  } else if (data.scale == "standardize") {
    text =
        "(x - feature_mean) / feature_sd, per feature, as float32 (the statistics of the "
        "training rows that fit, in the metadata keys feature_mean and feature_sd)";
  } else if (data.train.float_features()) {
    text = "x / 255: every feature divided by 255, as float32";
  } else {
    return;  // bytes divided by 255: model_metadata's own text
  }
  for (auto& [key, value] : meta)
    if (key == "preprocessing") value = text;
  if (data.scale == "standardize") {
    meta.emplace_back("feature_mean", number_list(data.mean));
    meta.emplace_back("feature_sd", number_list(data.sd));
  }
}

}  // namespace qrsweep
