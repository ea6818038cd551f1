// The --shard "i/n" argument shared by the commands that split a plan across jobs.
#include <cctype>
#include <cstdlib>
#include <string>

#include "qrsweep/common.h"
#include "qrsweep/sampler.h"

namespace qrsweep {

namespace {
// A non-negative decimal integer that fits an int, or -1.
long long parse_count(const std::string& s) {
  if (s.empty() || s.size() > 9) return -1;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
  return std::strtoll(s.c_str(), nullptr, 10);
}
}  // namespace

Shard parse_shard(const std::string& text) {
  size_t slash = text.find('/');
  long long i = -1, n = -1;
  if (slash != std::string::npos) {
    i = parse_count(text.substr(0, slash));
    n = parse_count(text.substr(slash + 1));
  }
  if (i < 0 || n < 1 || i >= n)
    throw ConfigError("--shard = \"" + text +
                      "\": expected i/n with 0 <= i < n (0-based shard index, shard count)");
  return Shard{static_cast<int>(i), static_cast<int>(n)};
}

}  // namespace qrsweep
