// CSV reader: one sample per line, the label first, then the features: integers 0..255
// (bytes, as pixels are) or any finite real numbers (then the file's features are all
// floats, and the [data] scale says how they enter the first layer). The first line is a
// header, and skipped, exactly when none of its fields looks like a number; any other
// line is data, so a row is never dropped silently. \r\n line ends and gzipped files are
// accepted.
#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/file_bytes.h"
#include "io/echo.h"
#include "io/input_file.h"
#include "qrsweep/common.h"
#include "qrsweep/dataset.h"

namespace qrsweep {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A whole field as a number (an optional '+', nothing around it but spaces); false when it
// is not one. Beyond T's range it becomes `huge` with the field's sign, so the range checks
// report it (integers beyond 64 bits; reals beyond double, reported as beyond float32).
template <typename T>
bool parse_whole(std::string_view s, T& v, T huge) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return false;
  }
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (end != s.data() + s.size()) return false;
  if (ec == std::errc::result_out_of_range) v = s.front() == '-' ? -huge : huge;
  return ec == std::errc() || ec == std::errc::result_out_of_range;
}

bool parse_int(std::string_view s, long long& v) { return parse_whole(s, v, LLONG_MAX); }
bool parse_real(std::string_view s, double& v) { return parse_whole(s, v, HUGE_VAL); }

void split(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  for (;;) {
    size_t comma = line.find(',');
    fields.push_back(line.substr(0, comma));
    if (comma == std::string_view::npos) return;
    line.remove_prefix(comma + 1);
  }
}

// A field that starts like a number (a digit, a sign or a point).
bool looks_numeric(std::string_view field) {
  field = trim(field);
  if (field.empty()) return false;
  char c = field.front();
  return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

std::string shown(std::string_view field) {
  return "'" + clip_for_message(std::string(trim(field)), 35) + "'";
}

// The header rule: a first line none of whose fields looks like a number names columns.
bool is_header(const std::vector<std::string_view>& fields) {
  for (std::string_view f : fields)
    if (looks_numeric(f)) return false;
  return true;
}

}  // namespace

Dataset read_csv(const std::string& path, int classes) {
  return read_csv_bytes(data::read_raw_file_bytes(path), path, classes);
}

Dataset read_csv_bytes(std::vector<uint8_t> file, const std::string& path, int classes) {
  if (classes > 256 || classes == 1)
    throw ConfigError("classes must be 2..256 (labels are bytes), or 0 to infer; got " +
                      std::to_string(classes));
  bool more = false;
  const std::vector<uint8_t> bytes =
      data::decode_file_bytes(std::move(file), path, kDataFileLimit, &more);
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte-order mark

  Dataset d;
  d.source = path;
  std::vector<std::string_view> fields;
  size_t fields_per_row = 0;
  int top_label = 0;
  size_t pos = 0;
  long long line_no = 0;
  bool first_line = true;
  size_t header_fields = 0;  // columns the header names; 0: no header
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    const std::string where = path + ": line " + std::to_string(line_no);
    split(line, fields);
    long long v;
    const bool on_first_line = first_line;
    if (first_line) {
      first_line = false;
      if (is_header(fields)) {
        header_fields = fields.size();
        continue;
      }
    }
    if (fields_per_row == 0) {
      if (fields.size() < 2)
        throw DataError(where + ": expected a label and at least one feature, got " +
                        std::to_string(fields.size()) + " field");
      if (fields.size() - 1 > static_cast<size_t>(INT_MAX))
        throw DataError(where + ": too many fields");
      if (header_fields != 0 && fields.size() != header_fields)
        throw DataError(where + ": " + std::to_string(fields.size()) +
                        " fields, but the header (the first line) names " +
                        std::to_string(header_fields) + " columns");
      fields_per_row = fields.size();
      d.dim = static_cast<int>(fields_per_row - 1);
    } else if (fields.size() != fields_per_row) {
      throw DataError(where + ": ragged row: expected " + std::to_string(fields_per_row) +
                      " fields (like the first row), got " + std::to_string(fields.size()));
    }
    if (d.n == INT_MAX) throw DataError(where + ": too many rows");

    if (!parse_int(fields[0], v))
      throw DataError(where + ", column 1: label " + shown(fields[0]) + " is not an integer" +
                      (on_first_line ? " (the first line is a header only when none of its "
                                       "fields is a number; this one has numbers, so it is data)"
                                     : ""));
    if (v < 0) throw DataError(where + ": negative label " + clip_for_message(std::string(trim(fields[0])), 40));
    if (classes > 0 && v >= classes)
      throw DataError(where + ": label " + clip_for_message(std::string(trim(fields[0])), 40) +
                      " is out of range: expected 0.." + std::to_string(classes - 1) + " for " +
                      std::to_string(classes) + " classes");
    if (v > 255)
      throw DataError(where + ": label " + clip_for_message(std::string(trim(fields[0])), 40) +
                      " is out of range 0..255");
    top_label = std::max(top_label, static_cast<int>(v));
    d.y.push_back(static_cast<uint8_t>(v));

    for (size_t c = 1; c < fields.size(); ++c) {
      if (!d.float_features() && parse_int(fields[c], v) && v >= 0 && v <= 255) {
        d.x.push_back(static_cast<uint8_t>(v));
        continue;
      }
      double r;
      if (!parse_real(fields[c], r))
        throw DataError(where + ", column " + std::to_string(c + 1) + ": value " +
                        shown(fields[c]) + " is not a number");
      const float f = static_cast<float>(r);
      if (!std::isfinite(f)) {
        // "inf" and "infinity" parse as infinite; a number too large for a double or a
        // float (1e999, 1e39) is a finite value out of float32's range.
        const bool spelled_inf = trim(fields[c]).find_first_of("iI") != std::string_view::npos;
        const char* what = std::isnan(r)                  ? "NaN"
                           : std::isinf(r) && spelled_inf ? "infinite"
                                                          : "beyond float32's range";
        throw DataError(where + ", column " + std::to_string(c + 1) + ": value " +
                        shown(fields[c]) + " is " + what + ": features must be finite numbers");
      }
      if (!d.float_features()) {  // the first real value: every feature so far becomes a float
        d.xf.assign(d.x.begin(), d.x.end());
        d.x.clear();
        d.x.shrink_to_fit();
      }
      d.xf.push_back(f);
    }
    ++d.n;
  }
  if (d.n == 0) throw DataError(path + ": empty file: no data rows");
  d.classes = classes > 0 ? classes : std::max(2, top_label + 1);
  return d;
}

}  // namespace qrsweep
