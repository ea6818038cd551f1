// Strict TOML access for qrsweep's config files: typed getters that name the file and
// the key in every error, and a check that no unknown key slipped in (ConfigError).
#pragma once
#include <toml++/toml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace qrsweep {

class TomlReader {
 public:
  // `where` names the table in messages: "FILE" or "FILE [table]".
  TomlReader(const toml::table& t, std::string where, std::string prefix = "")
      : t_(t), where_(std::move(where)), prefix_(std::move(prefix)) {}

  // An integer key in [min, max] (int_range.h's rule: outside it is ConfigError).
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max);
  std::optional<double> number(const std::string& key);  // integers accepted
  std::optional<bool> boolean(const std::string& key);
  std::optional<std::string> string(const std::string& key);
  std::optional<std::vector<int64_t>> integers(const std::string& key);
  std::optional<std::vector<double>> numbers(const std::string& key);
  std::optional<std::vector<bool>> booleans(const std::string& key);
  std::optional<std::vector<std::string>> strings(const std::string& key);
  const toml::table* table(const std::string& key);  // marks the key known
  // Throws ConfigError naming the first key that no getter asked for.
  void reject_unknown() const;
  // "FILE: key 'name' ..." prefix for a caller's own checks on a value.
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const toml::node* get(const std::string& key);
  const toml::table& t_;
  std::string where_, prefix_;
  std::set<std::string> seen_;
};

toml::table parse_toml_file(const std::string& path);  // ConfigError on syntax errors
// The same on a file's text in memory; `origin` stands for the file in messages.
toml::table parse_toml_text(const std::string& text, const std::string& origin);

}  // namespace qrsweep
