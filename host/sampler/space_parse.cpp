// Reading a search-space TOML file into a SearchSpace through the TOML reader
// (config/toml_reader.h: types, unknown keys, the file, line, key and value in every
// message). Defaults come from SearchSpace's member initializers: a key that is absent
// leaves its member untouched.
#include <string>
#include <vector>

#include "config/data_table.h"
#include "config/toml_reader.h"
#include "io/input_file.h"
#include "qrsweep/common.h"
#include "qrsweep/space.h"
#include "qrsweep/trial.h"
#include "sampler/space_data.h"

namespace qrsweep {

namespace {

void read_activations(TomlReader& r, std::vector<Activation>* out) {
  const auto names = r.strings("activations");
  if (!names) return;
  if (names->empty()) r.fail("activations", "needs at least one activation");
  std::vector<Activation> acts;
  for (size_t i = 0; i < names->size(); ++i) {
    try {
      acts.push_back(parse_activation((*names)[i]));
    } catch (const ConfigError&) {
      r.fail_at((*r.node("activations")->as_array())[i], "activations[" + std::to_string(i) + "]",
                "unknown activation (expected relu, tanh or sigmoid)");
    }
  }
  *out = std::move(acts);
}

void read_range(TomlReader& r, const char* key, Range* out) {
  auto t = r.table(key);
  if (!t) return;
  t->read("low", &out->low);
  t->read("high", &out->high);
  if (auto scale = t->choice("scale", {"linear", "log"})) out->scale = static_cast<Scale>(*scale);
  t->reject_unknown();
}

// [schedule]: the keys' meaning and rules are in docs/space.md#schedule.
void read_schedule(TomlReader& t, Schedule* out) {
  if (auto k = t.choice("kind", {"full", "halving", "hyperband"}))
    out->kind = static_cast<ScheduleKind>(*k);
  t.read("min_epochs", &out->min_epochs);
  t.read("eta", &out->eta);
  t.read("cohort", &out->cohort);
  t.reject_unknown();
}

SearchSpace space_from(const toml::table& root, const std::string& origin) {
  TomlReader r(root, origin);
  SearchSpace s;
  r.read("trials", &s.trials);
  r.read("seed", &s.seed);
  if (auto k = r.choice("sampler", {"sobol", "random"})) s.sampler = static_cast<SamplerKind>(*k);
  read_activations(r, &s.activations);
  r.read("max_epochs", &s.max_epochs);
  r.read("patience", &s.patience);
  r.read("clamp_layer_sizes", &s.clamp_layer_sizes);
  for (const SpaceRange& sr : space_ranges()) read_range(r, sr.key, &(s.*sr.member));
  if (auto d = r.table("data")) read_data_table(*d, &s.data);
  if (auto t = r.table("schedule")) read_schedule(*t, &s.schedule);
  r.reject_unknown();
  return s;
}

}  // namespace

SearchSpace parse_space_text(const std::string& text, const std::string& origin_name) {
  SearchSpace s = space_from(parse_toml_text(text, origin_name), origin_name);
  validate_space(s, origin_name);
  return s;
}

SearchSpace parse_space_file(const std::string& path) {
  const std::string text =
      read_input_file(path, InputKind::kConfig, "the search-space file", kConfigFileLimit);
  return parse_space_text(text, path);
}

}  // namespace qrsweep
