// The [data] table shared by the search-space file and the train config.
#pragma once
#include <string>

#include "config/toml_reader.h"
#include "qrsweep/dataset.h"

namespace qrsweep {
// Reads format, dir, train_csv, test_csv, validation, classes; rejects unknown keys.
DataSource parse_data_table(const toml::table& t, const std::string& where);
// The same keys as TOML text (for the store's resolved copy of a config).
std::string data_table_toml(const DataSource& d);
}  // namespace qrsweep
