// The list of a trial's fields (host/core/trial_fields.h) against the places it drives:
// every field, changed alone, comes back from the store's row and from the train-config
// TOML, changes exactly its own cells of the export, and makes TrialConfig's == false.
// A field missing from one of them fails here.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/trial_fields.h"
#include "qrsweep/export.h"
#include "qrsweep/store.h"
#include "qrsweep/sweep.h"
#include "qrsweep/train_config.h"
#include "qrsweep/trial_table.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

// A trial with every layer, every value away from its key's bounds and from zero.
TrialConfig base() {
  TrialConfig c;
  c.index = 7;
  c.seed = 9;
  c.structure = Structure::kUniform;
  c.hidden_layers = kMaxHiddenLayers;
  c.activation = Activation::kRelu;
  c.allow_dropout = true;
  c.allow_momentum = true;
  c.sizes = {11, 12, 13, 14, 15};
  c.dropout = {true, true, true, true, true};
  c.dropout_rate = {0.25, 0.5, 0.125, 0.375, 0.0625};
  c.learning_rate = 0.003;
  c.momentum = 0.5;
  c.batch_size = 32;
  c.max_epochs = 10;
  c.patience = 3;
  return c;
}

// Another value of `f` at layer k that its key accepts.
FieldValue other(const TrialField& f, const TrialConfig& c, int k) {
  FieldValue v = f.get(c, k);
  switch (f.type) {
    case FieldType::kText: {
      for (const char* name : {"Random", "Uniform", "tanh", "relu"}) {
        TrialConfig probe = c;
        FieldValue w;
        w.text = name;
        try {
          f.set(probe, k, w);
        } catch (const ConfigError&) {
          continue;
        }
        if (w.text != v.text) return w;
      }
      ADD_FAILURE() << f.store << ": no other name";
      return v;
    }
    case FieldType::kInt:
      v.integer -= 1;
      return v;
    case FieldType::kReal:
      v.real *= 0.5;
      return v;
    case FieldType::kBool:
      v.integer = !v.integer;
      return v;
  }
  return v;
}

// Calls check(field, layer, changed config) for every settable value of every field.
template <typename Check>
void for_each_change(Check&& check) {
  for (const TrialField& f : trial_fields()) {
    if (!f.set) continue;
    for_each_value(f, f.store, [&](int k, const std::string& name) {
      SCOPED_TRACE(name);
      TrialConfig c = base();
      f.set(c, k, other(f, c, k));
      ASSERT_FALSE(f.get(c, k) == f.get(base(), k));
      check(f, k, c);
    });
  }
}

TEST(TrialFields, EveryFieldChangesEquality) {
  EXPECT_TRUE(base() == base());
  for_each_change([](const TrialField&, int, const TrialConfig& c) { EXPECT_NE(c, base()); });
}

TEST(TrialFields, EveryFieldRoundTripsThroughTheStoreRow) {
  test::TempDir dir;
  int n = 0;
  for_each_change([&](const TrialField& f, int k, const TrialConfig& c) {
    const std::string path = dir.file("s" + std::to_string(n++) + ".sqlite");
    SweepRecord s;
    s.seed = 9;
    s.trials = 1;
    Store::create(path, s, {c});
    const auto rows = Store::open(path, true)->trials();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(f.get(rows[0].config, k), f.get(c, k));
    EXPECT_EQ(rows[0].config, c);
  });
}

TEST(TrialFields, EveryKeyedFieldRoundTripsThroughTheConfigToml) {
  std::set<std::string> keys;
  for_each_change([&](const TrialField& f, int k, const TrialConfig& c) {
    if (!f.key) return;  // follows from other keys
    keys.insert(f.key);
    TrialRecord r;
    r.config = c;
    r.max_val_accuracy_epoch = 4;  // best_trial_toml's retrain_epochs
    DataSource data;
    data.format = "csv";
    data.train_csv = "train.csv";
    data.test_csv = "test.csv";
    const std::string toml = best_trial_toml(r, data);
    const TrialConfig back = parse_train_config_text(toml, "best.toml").trial;
    EXPECT_EQ(f.get(back, k), f.get(c, k)) << toml;
    for (const TrialField& g : trial_fields())
      if (g.key)
        for_each_value(g, g.store, [&](int j, const std::string& name) {
          EXPECT_EQ(g.get(back, j), g.get(c, j)) << name << "\n" << toml;
        });
  });
  // Every member a `train` config sets by hand has its key.
  EXPECT_EQ(keys, (std::set<std::string>{"structure", "activation", "dropout", "sizes",
                                         "dropout_rates", "learning_rate", "momentum", "batch_size",
                                         "trial", "seed", "max_epochs", "patience"}));
}

TEST(TrialFields, EveryColumnedFieldChangesItsOwnExportCells) {
  TrialRecord r;
  r.config = base();
  const Table before = trials_table({r});
  std::set<std::string> changed_columns;
  for_each_change([&](const TrialField& f, int k, const TrialConfig& c) {
    TrialRecord changed;
    changed.config = c;
    const Table after = trials_table({changed});
    ASSERT_EQ(after.columns, before.columns);
    std::set<std::string> changed_here;
    for (size_t i = 0; i < after.columns.size(); ++i)
      if (after.rows[0][i].text != before.rows[0][i].text) changed_here.insert(after.columns[i]);
    if (!f.column) {
      EXPECT_TRUE(changed_here.empty());  // not a column of the notebook's table
      return;
    }
    const std::string column = f.first_layer ? field_name(f.column, k + 1) : f.column;
    EXPECT_TRUE(changed_here.count(column)) << column;
    changed_columns.insert(changed_here.begin(), changed_here.end());
  });
  // Every config column of the export moves with some field; L3..L5 follow the layer count.
  for (const TrialField& f : trial_fields())
    if (f.column && !f.set)
      for_each_value(f, f.column, [&](int, const std::string& n) { changed_columns.insert(n); });
  for (const std::string& c : config_columns()) EXPECT_TRUE(changed_columns.count(c)) << c;
}

TEST(TrialFields, StoreAndNotebookColumnsKeepTheirOrder) {
  std::vector<std::string> store;
  for (const TrialField* f : store_fields())
    for_each_value(*f, f->store, [&](int, const std::string& n) { store.push_back(n); });
  std::string joined;
  for (const std::string& s : store) joined += (joined.empty() ? "" : ", ") + s;
  EXPECT_EQ(joined,
            "trial, seed, structure, hidden_layers, activation, allow_dropout, allow_momentum, "
            "l3, l4, l5, d1, d2, d3, d4, d5, l1n, l2n, l3n, l4n, l5n, d1r, d2r, d3r, d4r, d5r, "
            "learning_rate, momentum, batch_size, max_epochs, patience");
}

}  // namespace
}  // namespace qrsweep
