// Parses `qrsweep train --config FILE` (see train_config.h).
#include "qrsweep/train_config.h"

#include "sampler/space_data.h"
#include "config/toml_reader.h"
#include "qrsweep/common.h"

namespace qrsweep {

TrainConfig parse_train_config(const std::string& path) {
  toml::table root = parse_toml_file(path);
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
  if (!(*lr > 0.0)) r.fail("learning_rate", "must be > 0, got " + std::to_string(*lr));
  t.learning_rate = *lr;
  if (auto m = r.number("momentum")) {
    if (!(*m >= 0.0 && *m <= 1.0)) r.fail("momentum", "must be in [0, 1], got " + std::to_string(*m));
    t.momentum = *m;
  }
  t.allow_momentum = t.momentum > 0.0;
  auto bs = r.integer("batch_size");
  if (!bs) r.fail("batch_size", "is required");
  if (*bs < 1 || *bs > 1000000) r.fail("batch_size", "must be in 1..1000000, got " + std::to_string(*bs));
  t.batch_size = static_cast<int>(*bs);
  if (auto v = r.integer("seed")) t.seed = static_cast<uint64_t>(*v);
  if (auto v = r.integer("trial")) {
    if (*v < 0 || *v > 0xFFFFFFFF) r.fail("trial", "must be in 0..4294967295");
    t.index = static_cast<int>(*v);
  }
  if (auto v = r.integer("max_epochs")) {
    if (*v < 1) r.fail("max_epochs", "must be >= 1, got " + std::to_string(*v));
    t.max_epochs = static_cast<int>(*v);
  }
  if (auto v = r.integer("patience")) {
    if (*v < 1) r.fail("patience", "must be >= 1, got " + std::to_string(*v));
    t.patience = static_cast<int>(*v);
  }
  if (auto v = r.integer("retrain_epochs")) {
    if (*v < 1 || *v > 1000000)
      r.fail("retrain_epochs", "must be in 1..1000000, got " + std::to_string(*v));
    c.retrain_epochs = static_cast<int>(*v);
  }
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

}  // namespace qrsweep
