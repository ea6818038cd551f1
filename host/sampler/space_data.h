// The search space's ranges and its [data] table written back as TOML (the reader of that
// table: config/data_table.h).
#pragma once
#include <string>
#include <vector>

#include "qrsweep/dataset.h"
#include "qrsweep/space.h"

namespace qrsweep {
// The search space's ranges in canonical order: the key, the member, and where the range's
// ends may lie (low >= min, high <= max; > and < where open); `why`, when not empty, is
// said with a broken bound. The space file's reader, its canonical text and its
// validation all walk this list.
struct SpaceRange {
  const char* key;
  Range SearchSpace::*member;
  double min;
  bool min_open;
  double max;
  bool max_open;
  const char* why;
};
const std::vector<SpaceRange>& space_ranges();

// The same keys as TOML text, "[data]" first (for resolved configs written back out).
std::string data_table_toml(const DataSource& d);
}  // namespace qrsweep
