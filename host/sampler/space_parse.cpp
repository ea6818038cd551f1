// Reading a search-space TOML file into a SearchSpace: type checks, unknown keys and
// values reported with the file, line, key and value. Defaults come from SearchSpace's
// member initializers: a key that is absent leaves its member untouched.
#include <toml++/toml.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "io/echo.h"
#include "io/input_file.h"
#include "qrsweep/common.h"
#include "qrsweep/number_format.h"
#include "qrsweep/space.h"
#include "qrsweep/trial.h"
#include "sampler/space_data.h"

namespace qrsweep {

namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {  // a NUL would cut the message short: TOML's escape
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A node's value as the user wrote it, compact enough for one line of an error message.
std::string describe(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return quoted(*n.value<std::string_view>());
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

class Parser {
 public:
  explicit Parser(const std::string& origin) : origin_(origin) {}

  [[noreturn]] void fail(const toml::node& n, const std::string& key,
                         const std::string& problem) const {
    std::string where = origin_;
    if (n.source().begin.line > 0) where += ":" + std::to_string(n.source().begin.line);
    throw ConfigError(where + ": " + key + " = " + clip_for_message(describe(n)) + ": " + problem);
  }

  // Every key of `t` must be in `known`; `prefix` is the table's dotted name.
  void check_keys(const toml::table& t, const std::string& prefix,
                  const std::vector<std::string>& known) const {
    for (auto&& [k, v] : t) {
      bool ok = false;
      for (const auto& name : known) ok = ok || k.str() == name;
      if (ok) continue;
      std::string list;
      for (size_t i = 0; i < known.size(); ++i) list += (i ? ", " : "") + known[i];
      fail(v, prefix + std::string(k.str()),
           "unknown key" +
               (prefix.empty() ? std::string()
                               : " in [" + prefix.substr(0, prefix.size() - 1) + "]") +
               " (known keys: " + list + ")");
    }
  }

  void read(const toml::table& t, const char* key, const std::string& name, int* out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_integer()) fail(*n, name, "expected an integer");
    int64_t v = *n->value<int64_t>();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
      fail(*n, name, "is out of range for this key");
    *out = static_cast<int>(v);
  }

  void read(const toml::table& t, const char* key, const std::string& name, uint64_t* out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_integer()) fail(*n, name, "expected an integer");
    int64_t v = *n->value<int64_t>();
    if (v < 0) fail(*n, name, "must be >= 0");
    *out = static_cast<uint64_t>(v);
  }

  void read(const toml::table& t, const char* key, const std::string& name, double* out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_number()) fail(*n, name, "expected a number");
    *out = *n->value<double>();
  }

  void read(const toml::table& t, const char* key, const std::string& name, bool* out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_boolean()) fail(*n, name, "expected true or false");
    *out = *n->value<bool>();
  }

  void read(const toml::table& t, const char* key, const std::string& name,
            std::string* out) const {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_string()) fail(*n, name, "expected a string");
    *out = std::string(*n->value<std::string_view>());
    if (out->find('\0') != std::string::npos)
      fail(*n, name, "holds a NUL character (a file name cannot)");
  }

  // A string key with a fixed set of spellings; returns the index of the one given.
  int read_choice(const toml::table& t, const char* key, const std::string& name,
                  const std::vector<std::string>& choices, int current) const {
    const toml::node* n = t.get(key);
    if (!n) return current;
    if (!n->is_string()) fail(*n, name, "expected a string");
    std::string v(*n->value<std::string_view>());
    for (size_t i = 0; i < choices.size(); ++i)
      if (v == choices[i]) return static_cast<int>(i);
    std::string list;
    for (size_t i = 0; i < choices.size(); ++i)
      list += (i ? (i + 1 == choices.size() ? " or " : ", ") : "") + quoted(choices[i]);
    fail(*n, name, "expected " + list);
  }

  void read_activations(const toml::table& t, std::vector<Activation>* out) const {
    const toml::node* n = t.get("activations");
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a) fail(*n, "activations", "expected an array of strings");
    if (a->empty()) fail(*n, "activations", "needs at least one activation");
    std::vector<Activation> acts;
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      std::string key = "activations[" + std::to_string(i) + "]";
      if (!e.is_string()) fail(e, key, "expected a string");
      std::string v(*e.value<std::string_view>());
      try {
        acts.push_back(parse_activation(v));
      } catch (const ConfigError&) {
        fail(e, key, "unknown activation (expected relu, tanh or sigmoid)");
      }
    }
    *out = std::move(acts);
  }

  const toml::table* subtable(const toml::table& t, const char* key) const {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(*n, key, "expected a table ([" + std::string(key) + "] or { ... })");
    return n->as_table();
  }

  void read_range(const toml::table& t, const char* key, Range* r) const {
    const toml::table* sub = subtable(t, key);
    if (!sub) return;
    std::string p = std::string(key) + ".";
    check_keys(*sub, p, {"low", "high", "scale"});
    read(*sub, "low", p + "low", &r->low);
    read(*sub, "high", p + "high", &r->high);
    r->scale = static_cast<Scale>(
        read_choice(*sub, "scale", p + "scale", {"linear", "log"}, static_cast<int>(r->scale)));
  }

  void read_data(const toml::table& d, DataSource* out) const {
    check_keys(
        d, "data.",
        {"format", "dir", "train_csv", "test_csv", "validation", "classes", "split", "split_seed"});
    read(d, "format", "data.format", &out->format);
    read(d, "dir", "data.dir", &out->dir);
    read(d, "train_csv", "data.train_csv", &out->train_csv);
    read(d, "test_csv", "data.test_csv", &out->test_csv);
    read(d, "validation", "data.validation", &out->validation);
    read(d, "classes", "data.classes", &out->classes);
    read(d, "split", "data.split", &out->split);
    read(d, "split_seed", "data.split_seed", &out->split_seed);
  }

  // [schedule]: the keys' meaning and rules are in docs/space.md#schedule.
  void read_schedule(const toml::table& t, Schedule* out) const {
    check_keys(t, "schedule.", {"kind", "min_epochs", "eta", "cohort"});
    out->kind = static_cast<ScheduleKind>(read_choice(
        t, "kind", "schedule.kind", {"full", "halving", "hyperband"}, static_cast<int>(out->kind)));
    read(t, "min_epochs", "schedule.min_epochs", &out->min_epochs);
    read(t, "eta", "schedule.eta", &out->eta);
    read(t, "cohort", "schedule.cohort", &out->cohort);
  }

  SearchSpace parse(const toml::table& root) const {
    SearchSpace s;
    check_keys(
        root, "",
        {"trials", "seed", "sampler", "activations", "max_epochs", "patience", "clamp_layer_sizes",
         "layer_size", "dropout_rate", "learning_rate", "momentum", "batch_size", "data",
         "schedule"});
    read(root, "trials", "trials", &s.trials);
    read(root, "seed", "seed", &s.seed);
    s.sampler = static_cast<SamplerKind>(
        read_choice(root, "sampler", "sampler", {"sobol", "random"}, static_cast<int>(s.sampler)));
    read_activations(root, &s.activations);
    read(root, "max_epochs", "max_epochs", &s.max_epochs);
    read(root, "patience", "patience", &s.patience);
    read(root, "clamp_layer_sizes", "clamp_layer_sizes", &s.clamp_layer_sizes);
    read_range(root, "layer_size", &s.layer_size);
    read_range(root, "dropout_rate", &s.dropout_rate);
    read_range(root, "learning_rate", &s.learning_rate);
    read_range(root, "momentum", &s.momentum);
    read_range(root, "batch_size", &s.batch_size);
    if (const toml::table* d = subtable(root, "data")) read_data(*d, &s.data);
    if (const toml::table* sch = subtable(root, "schedule")) read_schedule(*sch, &s.schedule);
    return s;
  }

 private:
  const std::string& origin_;
};

}  // namespace

SearchSpace parse_space_text(const std::string& text, const std::string& origin_name) {
  toml::table root;
  try {
    root = toml::parse(text, origin_name);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw ConfigError(origin_name + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                      ": not valid TOML: " + std::string(e.description()));
  }
  SearchSpace s = Parser(origin_name).parse(root);
  validate_space(s, origin_name);
  return s;
}

DataSource parse_data_table(const toml::table& data, const std::string& origin) {
  DataSource d;
  Parser(origin).read_data(data, &d);
  validate_data_source(d, origin);
  return d;
}

SearchSpace parse_space_file(const std::string& path) {
  return parse_space_text(
      read_input_file(path, InputKind::kConfig, "the search-space file", kConfigFileLimit), path);
}

}  // namespace qrsweep
