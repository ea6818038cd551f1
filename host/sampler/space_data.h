// The [data] table reader shared by the search-space file and `qrsweep train`'s config.
#pragma once
#include <toml++/toml.h>

#include <string>

#include "qrsweep/dataset.h"

namespace qrsweep {
// Reads and validates a [data] table; ConfigError names `origin`, the line and the key.
DataSource parse_data_table(const toml::table& data, const std::string& origin);
// The same keys as TOML text, "[data]" first (for resolved configs written back out).
std::string data_table_toml(const DataSource& d);
}  // namespace qrsweep
