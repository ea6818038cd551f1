// Glorot-uniform initialisation against an oracle written out here, not computed by the
// function under test: every kernel uniform over the whole of [-l, l] with
// l = sqrt(6 / (fan_in + fan_out)), mean near 0, variance l^2 / 3, biases zero.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "qrsweep/trial.h"
#include "qrsweep/weights.h"

namespace qrsweep {
namespace {

TEST(GlorotInit, UniformOverTheWholeRangeWithTheTextbookLimit) {
  TrialConfig c;
  c.index = 17;
  c.seed = 20261201;
  c.hidden_layers = 3;
  c.sizes = {512, 300, 40, 0, 0};
  const Weights w = init_weights(c, 784, 10);
  ASSERT_EQ(w.widths(), (std::vector<int>{784, 512, 300, 40, 10}));
  for (const DenseLayer& layer : w.layers) {
    SCOPED_TRACE("layer " + std::to_string(layer.in) + " x " + std::to_string(layer.out));
    const double limit = std::sqrt(6.0 / (layer.in + layer.out));  // Glorot & Bengio (2010)
    const double n = static_cast<double>(layer.w.size());
    ASSERT_EQ(layer.w.size(), static_cast<size_t>(layer.in) * layer.out);
    for (float b : layer.b) ASSERT_EQ(b, 0.0f);
    double sum = 0, sum_sq = 0, lo = 0, hi = 0;
    const int bins = 20;
    std::vector<int> histogram(bins, 0);
    for (float v : layer.w) {
      ASSERT_LE(std::abs(v), limit * (1 + 1e-6));  // float rounding of the limit only
      sum += v;
      sum_sq += double(v) * v;
      lo = std::min<double>(lo, v);
      hi = std::max<double>(hi, v);
      const int bin = std::min(bins - 1, static_cast<int>((v + limit) / (2 * limit) * bins));
      ++histogram[bin];
    }
    // The whole range is reached: a smaller limit fails here. With n uniform draws the
    // gap to an end is about 2l/n; 30/n leaves odds of e^-15 against a correct init.
    EXPECT_GE(hi, limit * (1 - 30 / n));
    EXPECT_LE(lo, -limit * (1 - 30 / n));
    const double sd = limit / std::sqrt(3.0);  // of U(-l, l)
    EXPECT_NEAR(sum / n, 0.0, 5 * sd / std::sqrt(n)) << "mean";
    // Var(x^2) of U(-l, l) is 4 l^4 / 45: five standard errors.
    EXPECT_NEAR(sum_sq / n, sd * sd, 5 * std::sqrt(4.0 / 45 / n) * limit * limit) << "variance";
    for (int b = 0; b < bins; ++b) {
      const double expected = n / bins, spread = std::sqrt(n * (1.0 / bins) * (1 - 1.0 / bins));
      EXPECT_NEAR(histogram[b], expected, 5 * spread) << "bin " << b << " of " << bins;
    }
  }
}

}  // namespace
}  // namespace qrsweep
