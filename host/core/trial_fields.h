// The list of a trial's fields: every member of TrialConfig once, with its notebook column,
// its store column and its train-config key. The trial table (trial_table.h), the store's
// trials rows (store/trial_row.cpp, store/schema.cpp), `qrsweep train --config` files
// (config/train_config.cpp), best_trial.toml (sweep/best_config.cpp) and TrialConfig's
// operator== all walk this list, so a new hyperparameter is a member of TrialConfig plus
// one entry in trial_fields.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "qrsweep/trial.h"

namespace qrsweep {

// How a field's value is held, stored and shown: a name (TEXT), an integer (INTEGER), a
// real (REAL) or a flag (INTEGER 0/1; True/False in the table; true/false in TOML).
enum class FieldType { kText, kInt, kReal, kBool };

// One value of a field: names in `text`, integers and flags in `integer`, reals in `real`.
struct FieldValue {
  std::string text;
  int64_t integer = 0;
  double real = 0.0;
  bool operator==(const FieldValue& o) const {
    return text == o.text && integer == o.integer && real == o.real;
  }
};

struct TrialField {
  // Names; in a per-layer field '#' stands for the layer's number (L#N: L1N..L5N).
  const char* column;  // notebook column; nullptr: not in the trial table
  const char* store;   // column of the store's trials table
  const char* key;     // train-config key (an array for a per-layer field); nullptr: follows
                       // from other keys (config/train_config.cpp says how)
  FieldType type;
  // Per-layer fields have a column for each layer first_layer..kMaxHiddenLayers (L3..L5
  // start at 3) and a config array of hidden_layers entries; 0: one value per trial.
  int first_layer;
  // The trial's identity (Trial, Seed): the store's first columns, the table's last ones.
  bool identity;
  // Train-config key: required or not, and its values' interval; integer keys give
  // [low, high], real keys give low and high with '(' / ')' marking an open end.
  bool required;
  int64_t low, high;
  char low_end, high_end;
  double real_low, real_high;
  // The value of layer `k` (0-based; ignored for one-value fields), and how to set it;
  // set is nullptr where the value follows from other fields (L3..L5 from hidden_layers).
  // set throws ConfigError for a name it does not know.
  FieldValue (*get)(const TrialConfig& c, int k);
  void (*set)(TrialConfig& c, int k, const FieldValue& v);
};

// Every field, in the notebook's column order; fields without a column last.
const std::vector<TrialField>& trial_fields();
// The fields in the store's column order: the identity first, then the rest in order.
const std::vector<const TrialField*>& store_fields();
// A field's name pattern for layer `layer` (1-based): "L#N", 2 -> "L2N"; one-value fields
// are their pattern.
std::string field_name(const char* pattern, int layer);

// Calls visit(k, name) for each value of `f` with a name in `pattern` (f.column or f.store):
// once with k = 0 for a one-value field, once per layer with a column for a per-layer one.
template <typename Visit>
void for_each_value(const TrialField& f, const char* pattern, Visit&& visit) {
  if (!f.first_layer) {
    visit(0, std::string(pattern));
    return;
  }
  for (int k = f.first_layer - 1; k < kMaxHiddenLayers; ++k) visit(k, field_name(pattern, k + 1));
}

}  // namespace qrsweep
