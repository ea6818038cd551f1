// Linear and log axis scales with nice ticks (see scale.h).
#include "report/scale.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <tuple>

namespace qrsweep::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The nearest value with 12 significant digits: k * step without its rounding noise.
double snap(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return std::strtod(buf, nullptr);
}

// 1, 2 or 5 times a power of ten, near span / target.
double nice_step(double span, int target) {
  const double raw = span / (target > 0 ? target : 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double m = norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10;
  return m * mag;
}

std::vector<double> linear_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!(hi > lo)) return {lo};
  const double step = nice_step(hi - lo, target);
  const double first = std::ceil(lo / step - 1e-9);
  const double last = std::floor(hi / step + 1e-9);
  for (double k = first; k <= last && out.size() < 64; k += 1) {
    double v = snap(k * step);              // 0.6, not 0.6000000000000001
    if (std::fabs(v) < step * 1e-9) v = 0;  // no "-2.7e-17" for zero
    out.push_back(v);
  }
  return out;
}

std::vector<double> log_ticks(double lo, double hi, int target) {
  const double a = std::log10(lo), b = std::log10(hi);
  std::vector<double> out;
  if (b - a >= 2) {
    const int first = static_cast<int>(std::ceil(a - 1e-9));
    const int last = static_cast<int>(std::floor(b + 1e-9));
    const int every = std::max(1, (last - first + 1 + 2 * target - 1) / (2 * target));
    for (int k = first; k <= last; k += every) out.push_back(std::pow(10.0, k));
    return out;
  }
  for (int k = static_cast<int>(std::floor(a)); k <= static_cast<int>(std::ceil(b)); ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = snap(m * std::pow(10.0, k));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
    }
  if (out.size() >= 3 || (out.size() >= 2 && b - a >= 1)) return out;
  out.clear();
  for (double v : linear_ticks(lo, hi, target))
    if (v > 0) out.push_back(v);
  return out;
}

}  // namespace

AxisScale::AxisScale(AxisKind kind, double lo, double hi, double p0, double p1)
    : kind_(kind), lo_(lo), hi_(hi), p0_(p0), p1_(p1) {
  if (!std::isfinite(lo_) || !std::isfinite(hi_)) lo_ = 0, hi_ = 1;
  if (lo_ > hi_) std::swap(lo_, hi_);
  if (kind_ == AxisKind::kLog) {
    if (hi_ <= 0) lo_ = 1, hi_ = 10;
    if (lo_ <= 0) lo_ = hi_ / 10;
  }
  if (lo_ == hi_) std::tie(lo_, hi_) = pad({lo_, hi_}, kind_);
}

bool AxisScale::usable(double v) const {
  return std::isfinite(v) && (kind_ == AxisKind::kLinear || v > 0);
}

double AxisScale::operator()(double v) const {
  if (!usable(v)) return kNaN;
  const double t = kind_ == AxisKind::kLog
                       ? (std::log(v) - std::log(lo_)) / (std::log(hi_) - std::log(lo_))
                       : (v - lo_) / (hi_ - lo_);
  return p0_ + t * (p1_ - p0_);
}

std::vector<double> AxisScale::ticks(int target) const {
  std::vector<double> t =
      kind_ == AxisKind::kLog ? log_ticks(lo_, hi_, target) : linear_ticks(lo_, hi_, target);
  if (integer_)
    t.erase(std::remove_if(t.begin(), t.end(), [](double v) { return v != std::round(v); }),
            t.end());
  return t;
}

std::string AxisScale::tick_label(double v) const { return short_number(v, 6); }

std::optional<std::pair<double, double>> extent(const std::vector<double>& values, AxisKind kind) {
  std::optional<std::pair<double, double>> out;
  for (double v : values) {
    if (!std::isfinite(v) || (kind == AxisKind::kLog && v <= 0)) continue;
    if (!out)
      out = std::make_pair(v, v);
    else
      out->first = std::min(out->first, v), out->second = std::max(out->second, v);
  }
  return out;
}

std::pair<double, double> pad(std::pair<double, double> d, AxisKind kind, double fraction) {
  if (kind == AxisKind::kLog && d.first > 0 && d.second > 0) {
    auto [a, b] = pad({std::log(d.first), std::log(d.second)}, AxisKind::kLinear, fraction);
    if (d.first == d.second) a = std::log(d.first / 1.5), b = std::log(d.second * 1.5);
    return {std::exp(a), std::exp(b)};
  }
  double span = d.second - d.first;
  if (span == 0) {
    span = d.first != 0 ? std::fabs(d.first) * 0.2 : 1.0;
    return {d.first - span / 2, d.second + span / 2};
  }
  return {d.first - fraction * span, d.second + fraction * span};
}

std::string short_number(double v, int digits) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  std::string s = buf;
  const size_t e = s.find('e');
  if (e == std::string::npos) return s;
  // "1e-05" -> "1e-5", "2.5e+06" -> "2.5e6"
  std::string mant = s.substr(0, e), exp = s.substr(e + 1);
  std::string sign = exp[0] == '-' ? "-" : "";
  size_t i = (exp[0] == '-' || exp[0] == '+') ? 1 : 0;
  while (i + 1 < exp.size() && exp[i] == '0') ++i;
  return mant + "e" + sign + exp.substr(i);
}

}  // namespace qrsweep::report
