// The [data] table (see data_table.h).
#include "config/data_table.h"

#include <sstream>

namespace qrsweep {

DataSource parse_data_table(const toml::table& t, const std::string& where) {
  TomlReader r(t, where, "data.");
  DataSource d;
  if (auto v = r.string("format")) d.format = *v;
  if (d.format != "idx" && d.format != "csv") r.fail("format", "must be \"idx\" or \"csv\", got \"" + d.format + "\"");
  if (auto v = r.string("dir")) d.dir = *v;
  if (auto v = r.string("train_csv")) d.train_csv = *v;
  if (auto v = r.string("test_csv")) d.test_csv = *v;
  if (auto v = r.integer("validation")) {
    if (*v < 1) r.fail("validation", "must be >= 1, got " + std::to_string(*v));
    d.validation = static_cast<int>(*v);
  }
  if (auto v = r.integer("classes")) {
    if (*v < 2 || *v > 256) r.fail("classes", "must be in 2..256, got " + std::to_string(*v));
    d.classes = static_cast<int>(*v);
  }
  if (d.format == "csv" && (d.train_csv.empty() || d.test_csv.empty()))
    r.fail("train_csv", "and 'data.test_csv' are both required when data.format = \"csv\"");
  r.reject_unknown();
  return d;
}

std::string data_table_toml(const DataSource& d) {
  std::ostringstream s;
  s << "[data]\nformat = " << toml::value<std::string>(d.format) << "\n";
  if (!d.dir.empty()) s << "dir = " << toml::value<std::string>(d.dir) << "\n";
  if (!d.train_csv.empty()) s << "train_csv = " << toml::value<std::string>(d.train_csv) << "\n";
  if (!d.test_csv.empty()) s << "test_csv = " << toml::value<std::string>(d.test_csv) << "\n";
  s << "validation = " << d.validation << "\nclasses = " << d.classes << "\n";
  return s.str();
}

}  // namespace qrsweep
