// The one range rule for integers, in files and on the command line: a value outside
// its key's or option's range is refused, never wrapped or clamped.
#pragma once
#include <cstdint>
#include <string>

namespace qrsweep {

// `value` when it lies in [min, max]; otherwise ConfigError
// "<name> = <value>: expected an integer in [<min>, <max>]".
int64_t check_int_range(const std::string& name, int64_t value, int64_t min, int64_t max);

// `text` as a decimal integer (an optional sign, then digits) in [min, max]; otherwise
// the same ConfigError, quoting the text (never more than 40 characters of it).
int64_t parse_int_range(const std::string& name, const std::string& text, int64_t min, int64_t max);

}  // namespace qrsweep
