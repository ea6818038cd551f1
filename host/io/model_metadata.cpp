// model_metadata (weights.h): the facts a safetensors reader cannot see in the tensors.
#include <string>

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

}  // namespace qrsweep
