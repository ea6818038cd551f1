// Axis scales for the SVG plots: a data domain mapped onto pixels, linear or log, with nice
// ticks and labels; NaN, inf and (on a log axis) values <= 0 map to NaN, never drawn.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qrsweep::report {

enum class AxisKind { kLinear, kLog };

class AxisScale {
 public:
  AxisScale() = default;
  // Maps [lo, hi] (data units) onto [p0, p1] (pixels; p1 < p0 for a y axis). A degenerate
  // domain (lo == hi) is widened so that it still maps to the middle of the span.
  AxisScale(AxisKind kind, double lo, double hi, double p0, double p1);

  double operator()(double v) const;  // pixel position; NaN when v cannot be placed
  bool usable(double v) const;        // finite, and > 0 on a log axis
  AxisKind kind() const { return kind_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  double p0() const { return p0_; }
  double p1() const { return p1_; }

  // About `target` round values inside the domain: 1, 2, 5 x 10^k steps on a linear
  // axis; decades on a log axis (with 2x and 5x between them when the domain spans less
  // than about two decades, linear steps when it spans less than a factor of 3).
  std::vector<double> ticks(int target = 5) const;
  // A tick's label, as short as the tick spacing allows ("0.25", "1e-4", "1500").
  std::string tick_label(double v) const;
  // Integer axes (epochs, trial counts) keep only whole-number ticks.
  void set_integer(bool integer) { integer_ = integer; }

 private:
  AxisKind kind_ = AxisKind::kLinear;
  double lo_ = 0, hi_ = 1, p0_ = 0, p1_ = 1;
  bool integer_ = false;
};

// The smallest and largest usable values (see AxisScale::usable), or nullopt when none.
std::optional<std::pair<double, double>> extent(const std::vector<double>& values, AxisKind kind);
// [lo, hi] widened by `fraction` of its span on each side (in log space on a log axis);
// a single value gets a span around it.
std::pair<double, double> pad(std::pair<double, double> domain, AxisKind kind,
                              double fraction = 0.05);
// A value as a short label: up to `digits` significant digits, exponent form for very
// large or small magnitudes ("1e-4", "2.5e6"), no trailing zeros.
std::string short_number(double v, int digits = 3);

}  // namespace qrsweep::report
