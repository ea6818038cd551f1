// The [data] table reader shared by the search-space file and `qrsweep train`'s config
// (the keys: docs/space.md#data).
#pragma once
#include "config/toml_reader.h"
#include "qrsweep/dataset.h"

namespace qrsweep {
// Reads a [data] table into `out` (an absent key leaves its member as it is) and rejects
// unknown keys; validate_data_source (space.h) checks the values.
void read_data_table(TomlReader& data, DataSource* out);
}  // namespace qrsweep
