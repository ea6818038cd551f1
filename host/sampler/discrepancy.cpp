// Squared centered L2 discrepancy (Hickernell 1998), the formula of docs/semantics.md#discrepancy.
#include "qrsweep/discrepancy.h"

#include <cmath>
#include <string>

#include "qrsweep/common.h"

namespace qrsweep {

double centered_discrepancy_sq(const std::vector<double>& points, int d) {
  if (d < 1 || points.empty() || points.size() % static_cast<size_t>(d) != 0)
    throw ConfigError("centered_discrepancy_sq: " + std::to_string(points.size()) +
                      " coordinates do not form points of dimension " + std::to_string(d));
  const size_t n = points.size() / d;
  const double* x = points.data();
  double sum1 = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double prod = 1.0;
    for (int k = 0; k < d; ++k) {
      double z = std::fabs(x[i * d + k] - 0.5);
      prod *= 1.0 + 0.5 * z - 0.5 * z * z;
    }
    sum1 += prod;
  }
  // The double sum is symmetric: the diagonal once, each off-diagonal pair twice.
  double sum2 = 0.0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) {
      double prod = 1.0;
      for (int k = 0; k < d; ++k) {
        double xi = x[i * d + k], xj = x[j * d + k];
        prod *=
            1.0 + 0.5 * std::fabs(xi - 0.5) + 0.5 * std::fabs(xj - 0.5) - 0.5 * std::fabs(xi - xj);
      }
      sum2 += (i == j ? 1.0 : 2.0) * prod;
    }
  }
  const double nd = static_cast<double>(n);
  return std::pow(13.0 / 12.0, d) - 2.0 / nd * sum1 + sum2 / (nd * nd);
}

}  // namespace qrsweep
