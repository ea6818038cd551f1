// The list of a trial's fields (trial_fields.h), and TrialConfig's operator== over it.
#include "core/trial_fields.h"

#include <limits>
#include <type_traits>

namespace qrsweep {

namespace {

FieldValue value(const std::string& s) {
  FieldValue v;
  v.text = s;
  return v;
}
FieldValue value(int64_t i) {
  FieldValue v;
  v.integer = i;
  return v;
}
FieldValue value(int i) { return value(static_cast<int64_t>(i)); }
FieldValue value(uint64_t i) { return value(static_cast<int64_t>(i)); }
FieldValue value(bool b) { return value(static_cast<int64_t>(b)); }
FieldValue value(double r) {
  FieldValue v;
  v.real = r;
  return v;
}
FieldValue value(Structure s) { return value(std::string(structure_name(s))); }
FieldValue value(Activation a) { return value(std::string(activation_name(a))); }

void assign(int& out, const FieldValue& v) { out = static_cast<int>(v.integer); }
void assign(uint64_t& out, const FieldValue& v) { out = static_cast<uint64_t>(v.integer); }
void assign(bool& out, const FieldValue& v) { out = v.integer != 0; }
void assign(double& out, const FieldValue& v) { out = v.real; }
void assign(Structure& out, const FieldValue& v) { out = parse_structure(v.text); }
void assign(Activation& out, const FieldValue& v) { out = parse_activation(v.text); }

// Accessors of a member (M) and of one layer's entry of an array member.
template <auto M>
FieldValue get_one(const TrialConfig& c, int) {
  return value(c.*M);
}
template <auto M>
void set_one(TrialConfig& c, int, const FieldValue& v) {
  assign(c.*M, v);
}
template <auto M>
FieldValue get_layer(const TrialConfig& c, int k) {
  return value(static_cast<typename std::decay_t<decltype(c.*M)>::value_type>((c.*M)[k]));
}
template <auto M>
void set_layer(TrialConfig& c, int k, const FieldValue& v) {
  typename std::decay_t<decltype(c.*M)>::value_type x{};
  assign(x, v);
  (c.*M)[k] = x;
}

TrialField entry(const char* column, const char* store, const char* key, FieldType type,
                 int first_layer, FieldValue (*get)(const TrialConfig&, int),
                 void (*set)(TrialConfig&, int, const FieldValue&)) {
  return TrialField{column, store, key, type, first_layer, false, false, 0,
                    0,      '[',   ']', 0.0,  0.0,         get,   set};
}
template <auto M>
TrialField one(const char* column, const char* store, const char* key, FieldType type) {
  return entry(column, store, key, type, 0, get_one<M>, set_one<M>);
}
template <auto M>
TrialField per_layer(const char* column, const char* store, const char* key, FieldType type) {
  return entry(column, store, key, type, 1, get_layer<M>, set_layer<M>);
}
TrialField ints(TrialField f, int64_t low, int64_t high) {
  f.low = low;
  f.high = high;
  return f;
}
TrialField reals(TrialField f, char low_end, double low, double high, char high_end) {
  f.low_end = low_end;
  f.real_low = low;
  f.real_high = high;
  f.high_end = high_end;
  return f;
}
TrialField required(TrialField f) {
  f.required = true;
  return f;
}
TrialField identity(TrialField f) {
  f.identity = true;
  return f;
}

// L3..L5: whether the trial has that layer (the notebook's columns; not settable).
FieldValue has_layer(const TrialConfig& c, int k) { return value(c.hidden_layers > k); }

constexpr int64_t kIntMax = std::numeric_limits<int>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

const std::vector<TrialField>& trial_fields() {
  using T = TrialConfig;
  using F = FieldType;
  static const std::vector<TrialField> fields = {
      one<&T::structure>("Structure", "structure", "structure", F::kText),
      one<&T::hidden_layers>("Number of hidden layers", "hidden_layers", nullptr, F::kInt),
      required(one<&T::activation>("Activation", "activation", "activation", F::kText)),
      one<&T::allow_dropout>("Allow dropout layers?", "allow_dropout", nullptr, F::kBool),
      one<&T::allow_momentum>("Allow momentum?", "allow_momentum", nullptr, F::kBool),
      entry("L#", "l#", nullptr, F::kBool, 3, has_layer, nullptr),
      per_layer<&T::dropout>("D#", "d#", "dropout", F::kBool),
      required(ints(per_layer<&T::sizes>("L#N", "l#n", "sizes", F::kInt), 1, 1000000)),
      reals(per_layer<&T::dropout_rate>("D#R", "d#r", "dropout_rates", F::kReal), '[', 0.0, 1.0,
            ')'),
      required(
          reals(one<&T::learning_rate>("Learning rate", "learning_rate", "learning_rate", F::kReal),
                '(', 0.0, kInf, ')')),
      reals(one<&T::momentum>("Momentum", "momentum", "momentum", F::kReal), '[', 0.0, 1.0, ']'),
      required(
          ints(one<&T::batch_size>("Batch size", "batch_size", "batch_size", F::kInt), 1, 1000000)),
      identity(ints(one<&T::index>("Trial", "trial", "trial", F::kInt), 0, kIntMax)),
      identity(ints(one<&T::seed>("Seed", "seed", "seed", F::kInt), 0,
                    std::numeric_limits<int64_t>::max())),
      ints(one<&T::max_epochs>(nullptr, "max_epochs", "max_epochs", F::kInt), 1, kIntMax),
      ints(one<&T::patience>(nullptr, "patience", "patience", F::kInt), 1, kIntMax),
  };
  return fields;
}

const std::vector<const TrialField*>& store_fields() {
  static const std::vector<const TrialField*> fields = [] {
    std::vector<const TrialField*> out;
    for (const TrialField& f : trial_fields())
      if (f.identity) out.push_back(&f);
    for (const TrialField& f : trial_fields())
      if (!f.identity) out.push_back(&f);
    return out;
  }();
  return fields;
}

std::string field_name(const char* pattern, int layer) {
  std::string s = pattern;
  const size_t p = s.find('#');
  if (p != std::string::npos) s.replace(p, 1, std::to_string(layer));
  return s;
}

bool TrialConfig::operator==(const TrialConfig& o) const {
  for (const TrialField& f : trial_fields()) {
    if (!f.set) continue;  // follows from the others
    bool same = true;
    for_each_value(f, f.store, [&](int k, const std::string&) {
      same = same && f.get(*this, k) == f.get(o, k);
    });
    if (!same) return false;
  }
  return true;
}

}  // namespace qrsweep
