// Integer range checks (see int_range.h).
#include "config/int_range.h"

#include <charconv>

#include "io/echo.h"
#include "qrsweep/common.h"

namespace qrsweep {

namespace {

[[noreturn]] void refuse(const std::string& name, const std::string& shown, int64_t min,
                         int64_t max) {
  throw ConfigError(name + " = " + shown + ": expected an integer in [" + std::to_string(min) +
                    ", " + std::to_string(max) + "]");
}

}  // namespace

int64_t check_int_range(const std::string& name, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) refuse(name, std::to_string(value), min, max);
  return value;
}

int64_t parse_int_range(const std::string& name, const std::string& text, int64_t min,
                        int64_t max) {
  std::string shown = clip_for_message(text, 40);
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  shown = "\"" + shown + "\"";
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;  // from_chars takes '-' but not '+'
  int64_t v = 0;
  const auto [stop, ec] = std::from_chars(begin, end, v);
  if (begin == end || stop != end || ec != std::errc() || v < min || v > max)
    refuse(name, shown, min, max);
  return v;
}

}  // namespace qrsweep
