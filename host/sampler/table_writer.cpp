// Writing a trial table as CSV or JSON, atomically (trial_table.h), so a reader never
// sees half a file and a crash leaves the previous one in place.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

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

void write_file_atomic(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp." + std::to_string(static_cast<long>(getpid()));
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error("cannot write " + path + ": " + std::strerror(errno));
  int err = 0;
  if (std::fwrite(content.data(), 1, content.size(), f) != content.size())
    err = errno ? errno : EIO;
  if (std::fflush(f) != 0 && !err) err = errno;
  if (std::fclose(f) != 0 && !err) err = errno;
  if (!err && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (!err) return;
  std::remove(tmp.c_str());
  throw Error("cannot write " + path + ": " + std::strerror(err));
}

void write_table(const Table& table, const std::string& path) {
  std::string ext = lower_extension(path);
  if (ext == ".csv") return write_file_atomic(path, table_to_csv(table));
  if (ext == ".json") return write_file_atomic(path, table_to_json(table));
  throw ConfigError(path + ": unknown table format '" + ext +
                    "' (the file name must end in .csv or .json)");
}

}  // namespace qrsweep
