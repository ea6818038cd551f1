// Writing a trial table as CSV or JSON, atomically and durably (trial_table.h, through
// io/atomic_file.h), so a reader never sees half a file and a crash leaves the previous
// one in place.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "io/atomic_file.h"
#include "qrsweep/common.h"
#include "qrsweep/trial_table.h"

namespace qrsweep {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

nlohmann::ordered_json json_value(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kInt:
      return std::stoll(c.text);
    case Cell::Kind::kFloat: {
      double v = std::strtod(c.text.c_str(), nullptr);
      if (!std::isfinite(v)) return nullptr;
      return v;
    }
    case Cell::Kind::kBool:
      return c.text == "True";
    default:
      return c.text;
  }
}

std::string lower_extension(const std::string& path) {
  size_t slash = path.find_last_of('/');
  size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return ext;
}

}  // namespace

std::string table_to_csv(const Table& table) {
  std::string out;
  for (size_t c = 0; c < table.columns.size(); ++c)
    out += (c ? "," : "") + csv_field(table.columns[c]);
  out += "\n";
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + csv_field(row[c].text);
    out += "\n";
  }
  return out;
}

std::string table_to_json(const Table& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (size_t c = 0; c < table.columns.size() && c < row.size(); ++c)
      obj[table.columns[c]] = json_value(row[c]);
    rows.push_back(std::move(obj));
  }
  return rows.dump(2) + "\n";
}

void write_table(const Table& table, const std::string& path) {
  std::string ext = lower_extension(path);
  if (ext == ".csv") return write_file_atomic(path, table_to_csv(table));
  if (ext == ".json") return write_file_atomic(path, table_to_json(table));
  throw ConfigError(path + ": unknown table format '" + ext +
                    "' (the file name must end in .csv or .json)");
}

}  // namespace qrsweep
