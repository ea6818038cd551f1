// Box statistics, running minimum and jitter (see stats.h).
#include "report/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qrsweep::report {
namespace {

double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * (sorted.size() - 1);
  const size_t i = static_cast<size_t>(std::floor(pos));
  const double frac = pos - i;
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}

}  // namespace

BoxStats box_stats(std::vector<double> values) {
  values.erase(
      std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
      values.end());
  BoxStats b;
  b.n = static_cast<int>(values.size());
  if (values.empty()) return b;
  std::sort(values.begin(), values.end());
  b.q1 = quantile(values, 0.25);
  b.median = quantile(values, 0.5);
  b.q3 = quantile(values, 0.75);
  const double reach = 1.5 * (b.q3 - b.q1);
  b.low = b.q1;
  b.high = b.q3;
  for (double v : values) {
    if (v >= b.q1 - reach) b.low = std::min(b.low, v);
    if (v <= b.q3 + reach) b.high = std::max(b.high, v);
  }
  return b;
}

std::vector<double> running_min(const std::vector<double>& values) {
  std::vector<double> out;
  out.reserve(values.size());
  double best = std::numeric_limits<double>::quiet_NaN();
  for (double v : values) {
    if (std::isfinite(v) && !(v >= best)) best = v;
    out.push_back(best);
  }
  return out;
}

double jitter(int k) {
  const double g = 0.6180339887498949;
  const double x = k * g;
  return x - std::floor(x) - 0.5;
}

}  // namespace qrsweep::report
