// Shortest round-trip formatting of doubles in Python's repr style (number_format.h).
#include "qrsweep/number_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace qrsweep {

std::string format_double(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  std::snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
  const char* e = buf;
  while (*e != 'e') ++e;
  int exponent = std::atoi(e + 1);
  // Python's repr switches to scientific notation outside [1e-4, 1e16).
  if (exponent < -4 || exponent >= 16) return buf;
  int decimals = digits - 1 - exponent;
  std::snprintf(buf, sizeof buf, "%.*f", decimals > 0 ? decimals : 0, x);
  std::string s = buf;
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

}  // namespace qrsweep
