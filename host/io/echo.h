// Echoing input back in a message: at most `max` characters of it, "..." marking a cut,
// so that a message never repeats unbounded input (a huge array, a megabyte string).
#pragma once
#include <cstddef>
#include <string>

namespace qrsweep {

inline std::string clip_for_message(std::string s, size_t max = 80) {
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

}  // namespace qrsweep
