// Parses `qrsweep train --config FILE` (see train_config.h).
#include "qrsweep/train_config.h"

#include <cmath>
#include <limits>

#include "config/toml_reader.h"
#include "qrsweep/common.h"
#include "sampler/space_data.h"

namespace qrsweep {

namespace {

TrainConfig train_config_from(const toml::table& root, const std::string& path) {
  TomlReader r(root, path);
  TrainConfig c;
  TrialConfig& t = c.trial;
  auto sizes = r.integers("sizes");
  if (!sizes) r.fail("sizes", "is required (the hidden layer widths, e.g. sizes = [163, 325])");
  if (sizes->empty() || sizes->size() > kMaxHiddenLayers)
    r.fail("sizes", "must list 1 to 5 hidden layer widths, got " + std::to_string(sizes->size()));
  t.hidden_layers = static_cast<int>(sizes->size());
  for (int k = 0; k < t.hidden_layers; ++k) {
    if ((*sizes)[k] < 1 || (*sizes)[k] > 1000000)
      r.fail("sizes", "entry " + std::to_string(k + 1) + " = " + std::to_string((*sizes)[k]) +
                          " is outside 1..1000000");
    t.sizes[k] = static_cast<int>((*sizes)[k]);
  }
  auto act = r.string("activation");
  if (!act) r.fail("activation", "is required (relu, tanh or sigmoid)");
  try {
    t.activation = parse_activation(*act);
  } catch (const ConfigError& e) {
    r.fail("activation", e.what());
  }
  if (auto rates = r.numbers("dropout_rates")) {
    if (rates->size() != sizes->size())
      r.fail("dropout_rates", "has " + std::to_string(rates->size()) + " entries for " +
                                  std::to_string(sizes->size()) + " layers");
    for (int k = 0; k < t.hidden_layers; ++k) {
      double v = (*rates)[k];
      if (!(v >= 0.0 && v < 1.0))
        r.fail("dropout_rates", "entry " + std::to_string(k + 1) + " = " + std::to_string(v) +
                                    " is outside [0, 1)");
      t.dropout_rate[k] = v;
      t.dropout[k] = v > 0.0;
    }
  }
  if (auto flags = r.booleans("dropout")) {
    if (flags->size() != sizes->size())
      r.fail("dropout", "has " + std::to_string(flags->size()) + " entries for " +
                            std::to_string(sizes->size()) + " layers");
    for (int k = 0; k < t.hidden_layers; ++k) t.dropout[k] = (*flags)[k];
  }
  t.allow_dropout = false;
  for (int k = 0; k < t.hidden_layers; ++k) t.allow_dropout |= t.dropout[k];
  auto lr = r.number("learning_rate");
  if (!lr) r.fail("learning_rate", "is required");
  if (!(*lr > 0.0) || !std::isfinite(*lr))
    r.fail("learning_rate", "must be a finite number > 0, got " + std::to_string(*lr));
  t.learning_rate = *lr;
  if (auto m = r.number("momentum")) {
    if (!(*m >= 0.0 && *m <= 1.0)) r.fail("momentum", "must be in [0, 1], got " + std::to_string(*m));
    t.momentum = *m;
  }
  t.allow_momentum = t.momentum > 0.0;
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  auto bs = r.integer("batch_size", 1, 1000000);
  if (!bs) r.fail("batch_size", "is required");
  t.batch_size = static_cast<int>(*bs);
  if (auto v = r.integer("seed", 0, std::numeric_limits<int64_t>::max()))
    t.seed = static_cast<uint64_t>(*v);
  if (auto v = r.integer("trial", 0, kIntMax)) t.index = static_cast<int>(*v);
  if (auto v = r.integer("max_epochs", 1, kIntMax)) t.max_epochs = static_cast<int>(*v);
  if (auto v = r.integer("patience", 1, kIntMax)) t.patience = static_cast<int>(*v);
  if (auto v = r.integer("retrain_epochs", 1, 1000000)) c.retrain_epochs = static_cast<int>(*v);
  if (auto v = r.string("structure")) {
    try {
      t.structure = parse_structure(*v);
    } catch (const ConfigError& e) {
      r.fail("structure", e.what());
    }
  }
  if (const toml::table* d = r.table("data")) c.data = parse_data_table(*d, path);
  r.reject_unknown();
  return c;
}

}  // namespace

TrainConfig parse_train_config(const std::string& path) {
  return train_config_from(parse_toml_file(path), path);
}

TrainConfig parse_train_config_text(const std::string& text, const std::string& origin) {
  return train_config_from(parse_toml_text(text, origin), origin);
}

}  // namespace qrsweep
