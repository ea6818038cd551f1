// Text helpers for the report's HTML: escaping, display numbers and durations.
#pragma once
#include <string>

namespace qrsweep::report {

std::string html_escape(const std::string& s);
// A number for people: 4 significant digits, "NaN" / "inf" spelled out.
std::string display_number(double v, int digits = 4);
// "12.3 s", "4 min 12 s", "2 h 05 min"; "unknown" for NaN.
std::string display_duration(double seconds);
// A number with thousands separators: 12,345.
std::string display_count(long long v);

}  // namespace qrsweep::report
