// Trial timestamps as report times (see trial_times.h).
#include "report/trial_times.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

#include "qrsweep/common.h"

namespace qrsweep::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double parse_utc(const std::string& text, double* resolution) {
  int y, mo, d, h, mi, sec, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) !=
      6)
    return kNaN;
  double frac = 0, weight = 1;
  size_t i = static_cast<size_t>(used);
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      weight /= 10;
      frac += (text[i] - '0') * weight;
    }
  }
  if (i >= text.size() || text[i] != 'Z' || i + 1 != text.size()) return kNaN;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  if (resolution) *resolution = weight;
  return static_cast<double>(timegm(&tm)) + frac;
}

double finish_estimate(const TrialTimes& t, double trial_seconds) {
  if (!std::isfinite(t.finished)) return kNaN;
  const double r = t.resolution;
  if (!std::isfinite(t.started) || !std::isfinite(trial_seconds)) return t.finished + r / 2;
  // The true finish lies in [finished, finished + r) and in
  // [started + seconds, started + seconds + r): take the middle of what both allow.
  const double lo = std::max(t.finished, t.started + trial_seconds);
  const double hi = std::min(t.finished + r, t.started + trial_seconds + r);
  return lo <= hi ? (lo + hi) / 2 : t.finished + r / 2;
}

TrialTimes trial_times(const TrialRecord& r) {
  TrialTimes t;
  double r1 = 1, r2 = 1;
  t.started = parse_utc(r.started_at, &r1);
  t.finished = parse_utc(r.finished_at, &r2);
  t.resolution = std::max(r1, r2);
  return t;
}

}  // namespace qrsweep::report
