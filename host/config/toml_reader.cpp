// Strict TOML getters (see toml_reader.h).
#include "config/toml_reader.h"

#include <sstream>

#include "config/int_range.h"
#include "io/echo.h"
#include "io/input_file.h"
#include "qrsweep/common.h"

namespace qrsweep {

namespace {
std::string describe(const toml::node& n) {
  std::ostringstream s;
  if (n.is_string()) s << '"' << printable_path(*n.value<std::string>()) << '"';
  else if (n.is_array() || n.is_table()) s << (n.is_array() ? "an array" : "a table");
  else n.visit([&](auto&& v) { s << v; });
  return clip_for_message(s.str());
}
}  // namespace

void TomlReader::fail(const std::string& key, const std::string& what) const {
  throw ConfigError(where_ + ": key '" + prefix_ + key + "' " + what);
}

const toml::node* TomlReader::get(const std::string& key) {
  seen_.insert(key);
  return t_.get(key);
}

std::optional<int64_t> TomlReader::integer(const std::string& key, int64_t min, int64_t max) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  if (auto v = n->value_exact<int64_t>())
    return check_int_range(where_ + ": key '" + prefix_ + key + "'", *v, min, max);
  fail(key, "must be an integer, got " + describe(*n));
}

std::optional<double> TomlReader::number(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  if (n->is_integer()) return static_cast<double>(*n->value_exact<int64_t>());
  if (auto v = n->value_exact<double>()) return *v;
  fail(key, "must be a number, got " + describe(*n));
}

std::optional<bool> TomlReader::boolean(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  if (auto v = n->value_exact<bool>()) return *v;
  fail(key, "must be true or false, got " + describe(*n));
}

std::optional<std::string> TomlReader::string(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  if (auto v = n->value_exact<std::string>()) {
    if (v->find('\0') != std::string::npos) fail(key, "holds a NUL character");
    return *v;
  }
  fail(key, "must be a string, got " + describe(*n));
}

namespace {
template <typename T, typename Conv>
std::optional<std::vector<T>> array_of(TomlReader& r, const toml::node* n, const std::string& key,
                                       const char* what, Conv conv) {
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) r.fail(key, std::string("must be an array of ") + what + ", got " + describe(*n));
  std::vector<T> out;
  for (const auto& e : *a) {
    std::optional<T> v = conv(e);
    if (!v) r.fail(key, std::string("must hold only ") + what + ", got " + describe(e));
    out.push_back(*v);
  }
  return out;
}
}  // namespace

std::optional<std::vector<int64_t>> TomlReader::integers(const std::string& key) {
  return array_of<int64_t>(*this, get(key), key, "integers",
                           [](const toml::node& e) { return e.value_exact<int64_t>(); });
}

std::optional<std::vector<double>> TomlReader::numbers(const std::string& key) {
  return array_of<double>(*this, get(key), key, "numbers", [](const toml::node& e) {
    if (e.is_integer()) return std::optional<double>(double(*e.value_exact<int64_t>()));
    return e.value_exact<double>();
  });
}

std::optional<std::vector<bool>> TomlReader::booleans(const std::string& key) {
  return array_of<bool>(*this, get(key), key, "booleans",
                        [](const toml::node& e) { return e.value_exact<bool>(); });
}

std::optional<std::vector<std::string>> TomlReader::strings(const std::string& key) {
  return array_of<std::string>(*this, get(key), key, "strings",
                               [](const toml::node& e) { return e.value_exact<std::string>(); });
}

const toml::table* TomlReader::table(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return nullptr;
  if (const toml::table* t = n->as_table()) return t;
  fail(key, "must be a table, got " + describe(*n));
}

void TomlReader::reject_unknown() const {
  for (const auto& [k, v] : t_) {
    std::string key(k.str());
    if (!seen_.count(key)) throw ConfigError(where_ + ": unknown key '" + prefix_ + key + "'");
  }
}

namespace {
// A syntax error as "FILE:LINE:COLUMN: what".
ConfigError syntax_error(const toml::parse_error& e, const std::string& origin) {
  std::ostringstream s;
  s << origin;
  if (e.source().begin) s << ":" << e.source().begin.line << ":" << e.source().begin.column;
  s << ": " << e.description();
  return ConfigError(s.str());
}
}  // namespace

toml::table parse_toml_file(const std::string& path) {
  try {
    const std::string text =
        read_input_file(path, InputKind::kConfig, "the config file", kConfigFileLimit);
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw syntax_error(e, path);
  }
}

toml::table parse_toml_text(const std::string& text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw syntax_error(e, origin);
  }
}

}  // namespace qrsweep
