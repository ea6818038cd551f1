// The [data] scale (dataset.h, docs/train.md#data): how features enter the first layer.
// Byte features under divide_by_255 stay bytes and the first layer divides them, as it
// always has; every other case holds float features, scaled once here. standardize takes
// each feature's mean and standard deviation over the fitting rows only, so no validation
// or test row informs the statistics it is judged by.
#include <cmath>
#include <string>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/dataset.h"

namespace qrsweep {

namespace {

void to_float(Dataset& d) {
  if (d.float_features()) return;
  d.xf.assign(d.x.begin(), d.x.end());
  d.x.clear();
  d.x.shrink_to_fit();
}

}  // namespace

std::string resolved_scale(const std::string& scale, bool float_features) {
  if (!scale.empty()) return scale;
  return float_features ? "none" : "divide_by_255";
}

void apply_scale(DataSplits& s, const std::string& requested) {
  const bool floats = s.train.float_features() || s.test.float_features();
  const std::string scale = resolved_scale(requested, floats);
  s.scale = scale;
  if (scale == "divide_by_255" && !floats) return;
  if (scale != "divide_by_255" && scale != "none" && scale != "standardize")
    throw ConfigError("data.scale = \"" + scale +
                      "\": expected \"divide_by_255\", \"none\" or \"standardize\"");
  to_float(s.train);
  to_float(s.test);
  const size_t dim = static_cast<size_t>(s.train.dim);
  if (scale == "divide_by_255") {
    // The expression the first layer applies to bytes: float(v) / 255.
    for (Dataset* d : {&s.train, &s.test})
      for (float& v : d->xf) v = v / 255.0f;
    return;
  }
  if (scale == "none") return;

  // standardize: per-feature mean and population standard deviation of the fitting rows
  // (two passes, in double); a constant feature keeps a divisor of 1.
  const DatasetView fit = s.fit();
  std::vector<double> mean(dim, 0.0), sd(dim, 0.0);
  for (int r = 0; r < fit.n; ++r)
    for (size_t k = 0; k < dim; ++k) mean[k] += fit.xf[r * dim + k];
  for (size_t k = 0; k < dim; ++k) {
    mean[k] /= fit.n;
    if (!std::isfinite(mean[k]))
      throw DataError(s.train.source + ": feature " + std::to_string(k) +
                      " (0-based) is too large to standardize (its sum overflows)");
  }
  for (int r = 0; r < fit.n; ++r)
    for (size_t k = 0; k < dim; ++k) {
      const double c = fit.xf[r * dim + k] - mean[k];
      sd[k] += c * c;
    }
  for (double& v : sd) {
    v = std::sqrt(v / fit.n);
    if (!std::isfinite(v))
      throw DataError(s.train.source +
                      ": a feature's values are too spread to standardize "
                      "(their variance overflows)");
    if (!(v > 0.0)) v = 1.0;
  }
  for (Dataset* d : {&s.train, &s.test})
    for (size_t e = 0; e < d->xf.size(); ++e) {
      const size_t k = e % dim;
      d->xf[e] = static_cast<float>((d->xf[e] - mean[k]) / sd[k]);
    }
  s.mean.assign(mean.begin(), mean.end());
  s.sd.assign(sd.begin(), sd.end());
}

}  // namespace qrsweep
