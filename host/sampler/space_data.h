// The [data] table reader shared by the search-space file and `qrsweep train`'s config.
#pragma once
#include <string>
#include <vector>

#include "config/toml_reader.h"
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

// Reads a [data] table into `out` (an absent key leaves its member as it is) and rejects
// unknown keys; validate_data_source (space.h) checks the values.
void read_data_table(TomlReader& data, DataSource* out);
// The same keys as TOML text, "[data]" first (for resolved configs written back out).
std::string data_table_toml(const DataSource& d);
}  // namespace qrsweep
