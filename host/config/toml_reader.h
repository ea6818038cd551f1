// The one TOML reader of qrsweep's input files (the search-space file, `train --config`,
// their [data] tables): typed getters, and a check that no unknown key slipped in. Every
// error is a ConfigError "FILE:LINE: KEY = VALUE: problem" naming the file, the line, the
// key (with its table: data.dir) and the value as written.
#pragma once
#include <toml++/toml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace qrsweep {

class TomlReader {
 public:
  // How messages name a key: bare (data.dir, the space file's) or quoted (key 'sizes', the
  // train config's top level, as docs/train.md shows).
  enum class Names { kBare, kQuoted };
  // `prefix` is the table's dotted name ("data."); "" at the top level.
  TomlReader(const toml::table& t, std::string origin, std::string prefix = "",
             Names names = Names::kBare)
      : t_(t), origin_(std::move(origin)), prefix_(std::move(prefix)), names_(names) {}

  // Each getter marks its key known and returns nullopt when the key is absent.
  // An integer in [min, max] (int_range.h's rule: outside it is ConfigError).
  std::optional<int64_t> integer(const std::string& key,
                                 int64_t min = std::numeric_limits<int64_t>::min(),
                                 int64_t max = std::numeric_limits<int64_t>::max());
  std::optional<double> number(const std::string& key);  // integers accepted
  std::optional<bool> boolean(const std::string& key);
  std::optional<std::string> string(const std::string& key);  // never holding a NUL
  std::optional<std::vector<int64_t>> integers(const std::string& key);
  std::optional<std::vector<double>> numbers(const std::string& key);
  std::optional<std::vector<bool>> booleans(const std::string& key);
  std::optional<std::vector<std::string>> strings(const std::string& key);
  // A string that must be one of `choices`: its index.
  std::optional<int> choice(const std::string& key, const std::vector<std::string>& choices);
  // A table ([key] or key = { ... }): a reader of it, whose keys are named "key.name",
  // as this reader names its own or as `names` says.
  std::optional<TomlReader> table(const std::string& key,
                                  std::optional<Names> names = std::nullopt);

  // The same getters into a member that keeps its value when the key is absent; an int
  // member refuses what does not fit it, an unsigned one what is negative.
  void read(const std::string& key, int* out);
  void read(const std::string& key, uint64_t* out);
  void read(const std::string& key, double* out);
  void read(const std::string& key, bool* out);
  void read(const std::string& key, std::string* out);

  // Throws ConfigError naming the first key no getter asked for, and the known ones.
  void reject_unknown() const;
  // "FILE:LINE: KEY = VALUE: problem" for a caller's own check of a key's value; a key that
  // is absent reads "FILE: KEY problem" ("... key 'sizes' is required").
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;
  // The same for a node inside the key's value (an array's entry): `name` is "key[1]".
  [[noreturn]] void fail_at(const toml::node& n, const std::string& name,
                            const std::string& problem) const;
  const std::string& origin() const { return origin_; }
  // The key's value as it stands (nullptr when absent), for a caller's message about a part.
  const toml::node* node(const std::string& key) const { return t_.get(key); }

 private:
  const toml::node* get(const std::string& key);
  std::string label(const std::string& name) const;
  std::string where(const toml::node& n) const;
  template <typename T, typename Conv>
  std::optional<std::vector<T>> array_of(const std::string& key, const char* what, Conv conv);

  const toml::table& t_;
  std::string origin_, prefix_;
  Names names_;
  std::vector<std::string> seen_;  // in the order asked: the known keys of messages
};

// `s` as a TOML basic string: quotes and backslashes escaped, \n, \t and \r by name, the
// other control characters (NUL too) as \uXXXX; what the space file's canonical text and
// the reader's messages write.
std::string toml_string(const std::string& s);

// A TOML file (`what` names it in messages: "the search-space file") or text in memory
// (`origin` stands for the file); ConfigError "FILE:LINE:COLUMN: not valid TOML: ...".
toml::table parse_toml_file(const std::string& path, const char* what = "the config file");
toml::table parse_toml_text(const std::string& text, const std::string& origin);

}  // namespace qrsweep
