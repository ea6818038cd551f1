// Layer sizes per structure family (docs/semantics.md#layer-sizes), the notebook's rules with its
// rounding.
#include <cmath>
#include <string>

#include "qrsweep/common.h"
#include "qrsweep/sampler.h"

namespace qrsweep {

int round_half_even(double x) {
  double r = std::floor(x + 0.5);
  if (r - x == 0.5 && std::fmod(r, 2.0) != 0.0) r -= 1.0;  // a tie rounds to even
  return static_cast<int>(r);
}

std::array<int, kMaxHiddenLayers> layer_sizes(Structure structure, int hidden_layers,
                                              const std::array<double, kMaxHiddenLayers>& seeds) {
  if (hidden_layers < 1 || hidden_layers > kMaxHiddenLayers)
    throw ConfigError("layer_sizes: hidden_layers = " + std::to_string(hidden_layers) +
                      " is outside 1..5");
  const int n = hidden_layers;
  const double s = seeds[0];
  std::array<int, kMaxHiddenLayers> sizes{};
  for (int k = 1; k <= n; ++k) {  // k: 1-based layer number, as in docs/semantics.md
    int size = 0;
    switch (structure) {
      case Structure::kUniform:
        size = round_half_even(s);
        break;
      case Structure::kAscendingMin:
        size = round_half_even(s) * k;
        break;
      case Structure::kDescendingMax:
        size = round_half_even(s / k);
        break;
      // The last layer holds s; the notebook walks back from it with the divisor or
      // multiplier counting up from 1.
      case Structure::kAscendingMax:
        size = round_half_even(s / (n - k + 1));
        break;
      case Structure::kDescendingMin:
        size = round_half_even(s) * (n - k + 1);
        break;
      case Structure::kRandom:
        size = round_half_even(seeds[k - 1]);
        break;
      default:
        throw ConfigError(std::string("layer_sizes: structure '") + structure_name(structure) +
                          "' has no sampling rule");
    }
    sizes[k - 1] = size < 1 ? 1 : size;
  }
  return sizes;
}

}  // namespace qrsweep
