// Trial indices as a short list of runs, "0, 3-5, 9" (merge.h), for messages that name
// the unfinished and missing trials of a merge.
#include <string>
#include <vector>

#include "qrsweep/merge.h"

namespace qrsweep {

std::string format_indices(const std::vector<int>& indices) {
  std::string s;
  for (size_t i = 0; i < indices.size();) {
    size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    if (!s.empty()) s += ", ";
    s += std::to_string(indices[i]);
    if (j > i) s += (j == i + 1 ? ", " : "-") + std::to_string(indices[j]);
    i = j + 1;
  }
  return s;
}

}  // namespace qrsweep
