// Parses `qrsweep train --config FILE` (see train_config.h).
#include "qrsweep/train_config.h"

#include <optional>
#include <vector>

#include "config/data_table.h"
#include "config/toml_reader.h"
#include "core/trial_fields.h"
#include "qrsweep/common.h"
#include "qrsweep/number_format.h"
#include "qrsweep/space.h"

namespace qrsweep {

namespace {

bool inside(const TrialField& f, double x) {
  return (f.low_end == '(' ? x > f.real_low : x >= f.real_low) &&
         (f.high_end == ')' ? x < f.real_high : x <= f.real_high);
}

std::string interval(const TrialField& f) {
  return f.low_end + format_double(f.real_low) + ", " + format_double(f.real_high) + f.high_end;
}

// The values of f's key: one for a one-value field, one per entry of a per-layer field's
// array; nullopt when the key is absent. Integers are checked here, reals by the caller.
std::optional<std::vector<FieldValue>> read_values(TomlReader& r, const TrialField& f) {
  std::optional<std::vector<FieldValue>> out;
  auto take = [&](auto&& values, auto put) {
    if (!values) return;
    out.emplace();
    for (const auto& x : *values) put(out->emplace_back(), x);
  };
  auto one = [](auto&& x) { return x ? std::make_optional(std::vector{*x}) : std::nullopt; };
  const bool array = f.first_layer != 0;
  const std::string key = f.key;
  if (f.type == FieldType::kText)
    take(array ? r.strings(key) : one(r.string(key)),
         [](FieldValue& v, const std::string& x) { v.text = x; });
  if (f.type == FieldType::kInt)
    take(array ? r.integers(key) : one(r.integer(key, f.low, f.high)),
         [](FieldValue& v, int64_t x) { v.integer = x; });
  if (f.type == FieldType::kReal)
    take(array ? r.numbers(key) : one(r.number(key)), [](FieldValue& v, double x) { v.real = x; });
  if (f.type == FieldType::kBool)
    take(array ? r.booleans(key) : one(r.boolean(key)),
         [](FieldValue& v, bool x) { v.integer = x; });
  return out;
}

// Reads f's key into `t` (hidden_layers already set): per-layer arrays need one entry a
// layer, every value must lie in the key's interval.
void read_field(TomlReader& r, const TrialField& f, TrialConfig& t) {
  auto values = read_values(r, f);
  if (!values) {
    if (f.required) r.fail(f.key, "is required");
    return;
  }
  if (f.first_layer && values->size() != static_cast<size_t>(t.hidden_layers))
    r.fail(f.key, "has " + std::to_string(values->size()) + " entries for " +
                      std::to_string(t.hidden_layers) + " layers");
  for (size_t k = 0; k < values->size(); ++k) {
    const FieldValue& v = (*values)[k];
    // fail() shows the key's value; an array's entry is named again.
    const std::string is =
        f.first_layer
            ? "entry " + std::to_string(k + 1) + " = " +
                  (f.type == FieldType::kInt ? std::to_string(v.integer) : format_double(v.real)) +
                  " is outside "
            : "is outside ";
    if (f.type == FieldType::kInt && (v.integer < f.low || v.integer > f.high))
      r.fail(f.key, is + std::to_string(f.low) + ".." + std::to_string(f.high));
    if (f.type == FieldType::kReal && !inside(f, v.real)) r.fail(f.key, is + interval(f));
    try {
      f.set(t, static_cast<int>(k), v);
    } catch (const ConfigError& e) {
      r.fail(f.key, e.what());
    }
  }
}

TrainConfig train_config_from(const toml::table& root, const std::string& path) {
  TomlReader r(root, path, "", TomlReader::Names::kQuoted);
  TrainConfig c;
  TrialConfig& t = c.trial;
  // The layer count is the length of `sizes`; every per-layer key lists one entry a layer.
  auto sizes = r.integers("sizes");
  if (!sizes) r.fail("sizes", "is required (the hidden layer widths, e.g. sizes = [163, 325])");
  if (sizes->empty() || sizes->size() > kMaxHiddenLayers)
    r.fail("sizes", "must list 1 to 5 hidden layer widths, got " + std::to_string(sizes->size()));
  t.hidden_layers = static_cast<int>(sizes->size());
  for (const TrialField& f : trial_fields())
    if (f.key) read_field(r, f, t);
  // What has no key: dropout where a layer's rate is above 0 (unless `dropout` says),
  // the notebook's allow flags from the layers and the momentum.
  if (!root.get("dropout"))
    for (int k = 0; k < t.hidden_layers; ++k) t.dropout[k] = t.dropout_rate[k] > 0.0;
  t.allow_dropout = false;
  for (int k = 0; k < t.hidden_layers; ++k) t.allow_dropout |= t.dropout[k];
  t.allow_momentum = t.momentum > 0.0;
  if (auto v = r.integer("retrain_epochs", 1, 1000000)) c.retrain_epochs = static_cast<int>(*v);
  // [data] is the search-space file's table, its keys named as that file names them.
  if (auto d = r.table("data", TomlReader::Names::kBare)) {
    read_data_table(*d, &c.data);
    validate_data_source(c.data, path);
  }
  r.reject_unknown();
  return c;
}

}  // namespace

TrainConfig parse_train_config(const std::string& path) {
  return train_config_from(parse_toml_file(path, "the config file"), path);
}

TrainConfig parse_train_config_text(const std::string& text, const std::string& origin) {
  return train_config_from(parse_toml_text(text, origin), origin);
}

}  // namespace qrsweep
