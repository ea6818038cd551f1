// HTML text helpers (see html_text.h).
#include "report/html_text.h"

#include <cmath>
#include <cstdio>

#include "report/scale.h"
#include "report/svg.h"

namespace qrsweep::report {

std::string html_escape(const std::string& s) { return xml_escape(s); }

std::string display_number(double v, int digits) { return short_number(v, digits); }

std::string display_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "unknown";
  char buf[64];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(s / 60),
                  static_cast<int>(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%d h %02d min", static_cast<int>(s / 3600),
                  static_cast<int>(s / 60) % 60);
  return buf;
}

std::string display_count(long long v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

}  // namespace qrsweep::report
