// The TOML reader of qrsweep's input files (see toml_reader.h).
#include "config/toml_reader.h"

#include <cstdio>
#include <sstream>

#include "config/int_range.h"
#include "io/echo.h"
#include "io/input_file.h"
#include "qrsweep/common.h"
#include "qrsweep/number_format.h"

namespace qrsweep {

namespace {

// A node's value as the user wrote it, compact enough for one line of an error message.
std::string describe(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return toml_string(std::string(*n.value<std::string_view>()));
    case toml::node_type::integer:
      return std::to_string(*n.value<int64_t>());
    case toml::node_type::floating_point:
      return format_double(*n.value<double>());
    case toml::node_type::boolean:
      return *n.value<bool>() ? "true" : "false";
    case toml::node_type::array: {
      std::string out = "[";
      const toml::array& a = *n.as_array();
      for (size_t i = 0; i < a.size(); ++i) out += (i ? ", " : "") + describe(a[i]);
      return out + "]";
    }
    case toml::node_type::table: {
      std::string out = "{";
      bool first = true;
      for (auto&& [k, v] : *n.as_table()) {
        out += (first ? " " : ", ") + std::string(k.str()) + " = " + describe(v);
        first = false;
      }
      return out + (first ? "}" : " }");
    }
    default: {
      std::ostringstream s;  // dates and times: toml++ prints them as TOML
      n.visit([&](auto&& v) { s << v; });
      return s.str();
    }
  }
}

std::optional<int64_t> exact_integer(const toml::node& n) { return n.value_exact<int64_t>(); }
std::optional<double> any_number(const toml::node& n) {
  if (n.is_integer()) return static_cast<double>(*n.value_exact<int64_t>());
  return n.value_exact<double>();
}
std::optional<bool> exact_boolean(const toml::node& n) { return n.value_exact<bool>(); }
std::optional<std::string> exact_string(const toml::node& n) {
  return n.value_exact<std::string>();
}

}  // namespace

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string TomlReader::label(const std::string& name) const {
  return names_ == Names::kQuoted ? "key '" + prefix_ + name + "'" : prefix_ + name;
}

std::string TomlReader::where(const toml::node& n) const {
  const auto line = n.source().begin.line;
  return line > 0 ? origin_ + ":" + std::to_string(line) : origin_;
}

void TomlReader::fail_at(const toml::node& n, const std::string& name,
                         const std::string& problem) const {
  throw ConfigError(where(n) + ": " + label(name) + " = " + clip_for_message(describe(n)) + ": " +
                    problem);
}

void TomlReader::fail(const std::string& key, const std::string& problem) const {
  if (const toml::node* n = t_.get(key)) fail_at(*n, key, problem);
  throw ConfigError(origin_ + ": " + label(key) + " " + problem);
}

const toml::node* TomlReader::get(const std::string& key) {
  bool known = false;
  for (const std::string& k : seen_) known = known || k == key;
  if (!known) seen_.push_back(key);
  return t_.get(key);
}

std::optional<int64_t> TomlReader::integer(const std::string& key, int64_t min, int64_t max) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  if (auto v = exact_integer(*n))
    return check_int_range(where(*n) + ": " + label(key), *v, min, max);
  fail_at(*n, key, "expected an integer");
}

std::optional<double> TomlReader::number(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  if (auto v = any_number(*n)) return v;
  fail_at(*n, key, "expected a number");
}

std::optional<bool> TomlReader::boolean(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  if (auto v = exact_boolean(*n)) return v;
  fail_at(*n, key, "expected true or false");
}

std::optional<std::string> TomlReader::string(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  auto v = exact_string(*n);
  if (!v) fail_at(*n, key, "expected a string");
  if (v->find('\0') != std::string::npos)
    fail_at(*n, key, "holds a NUL character (a file name cannot)");
  return v;
}

template <typename T, typename Conv>
std::optional<std::vector<T>> TomlReader::array_of(const std::string& key, const char* what,
                                                   Conv conv) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) fail_at(*n, key, std::string("expected an array of ") + what + "s");
  const std::string one = std::string(what[0] == 'i' ? "an " : "a ") + what;
  std::vector<T> out;
  for (size_t i = 0; i < a->size(); ++i) {
    std::optional<T> v = conv((*a)[i]);
    if (!v) fail_at((*a)[i], key + "[" + std::to_string(i) + "]", "expected " + one);
    out.push_back(*v);
  }
  return out;
}

std::optional<std::vector<int64_t>> TomlReader::integers(const std::string& key) {
  return array_of<int64_t>(key, "integer", exact_integer);
}
std::optional<std::vector<double>> TomlReader::numbers(const std::string& key) {
  return array_of<double>(key, "number", any_number);
}
std::optional<std::vector<bool>> TomlReader::booleans(const std::string& key) {
  return array_of<bool>(key, "boolean", exact_boolean);
}
std::optional<std::vector<std::string>> TomlReader::strings(const std::string& key) {
  return array_of<std::string>(key, "string", exact_string);
}

std::optional<int> TomlReader::choice(const std::string& key,
                                      const std::vector<std::string>& choices) {
  const auto v = string(key);
  if (!v) return std::nullopt;
  for (size_t i = 0; i < choices.size(); ++i)
    if (*v == choices[i]) return static_cast<int>(i);
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i)
    list += (i ? (i + 1 == choices.size() ? " or " : ", ") : "") + toml_string(choices[i]);
  fail(key, "expected " + list);
}

std::optional<TomlReader> TomlReader::table(const std::string& key, std::optional<Names> names) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  if (const toml::table* t = n->as_table())
    return TomlReader(*t, origin_, prefix_ + key + ".", names.value_or(names_));
  fail_at(*n, key, "expected a table ([" + prefix_ + key + "] or { ... })");
}

void TomlReader::read(const std::string& key, int* out) {
  if (auto v = integer(key)) {
    if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
      fail(key, "is out of range for this key");
    *out = static_cast<int>(*v);
  }
}

void TomlReader::read(const std::string& key, uint64_t* out) {
  if (auto v = integer(key)) {
    if (*v < 0) fail(key, "must be >= 0");
    *out = static_cast<uint64_t>(*v);
  }
}

void TomlReader::read(const std::string& key, double* out) {
  if (auto v = number(key)) *out = *v;
}

void TomlReader::read(const std::string& key, bool* out) {
  if (auto v = boolean(key)) *out = *v;
}

void TomlReader::read(const std::string& key, std::string* out) {
  if (auto v = string(key)) *out = *v;
}

void TomlReader::reject_unknown() const {
  for (auto&& [k, v] : t_) {
    const std::string key(k.str());
    bool known = false;
    for (const std::string& s : seen_) known = known || s == key;
    if (known) continue;
    std::string list;
    for (size_t i = 0; i < seen_.size(); ++i) list += (i ? ", " : "") + seen_[i];
    fail_at(v, key,
            "unknown key" +
                (prefix_.empty() ? std::string()
                                 : " in [" + prefix_.substr(0, prefix_.size() - 1) + "]") +
                " (known keys: " + list + ")");
  }
}

toml::table parse_toml_text(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw ConfigError(origin + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                      ": not valid TOML: " + std::string(e.description()));
  }
}

toml::table parse_toml_file(const std::string& path, const char* what) {
  return parse_toml_text(read_input_file(path, InputKind::kConfig, what, kConfigFileLimit), path);
}

}  // namespace qrsweep
