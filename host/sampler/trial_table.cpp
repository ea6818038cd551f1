// The trial table's columns and cells (trial_table.h): one TrialConfig per row, its
// columns those of core/trial_fields.h in the notebook's order, so its all_trials.csv and
// ours line up.
#include "qrsweep/trial_table.h"

#include "core/trial_fields.h"
#include "qrsweep/number_format.h"

namespace qrsweep {

Cell text_cell(std::string s) { return Cell{Cell::Kind::kText, std::move(s)}; }
Cell int_cell(int64_t v) { return Cell{Cell::Kind::kInt, std::to_string(v)}; }
Cell float_cell(double v) { return Cell{Cell::Kind::kFloat, format_double(v)}; }
Cell bool_cell(bool v) { return Cell{Cell::Kind::kBool, v ? "True" : "False"}; }

namespace {
// Every (field, layer) with a notebook column, in column order; k is the layer's index.
template <typename F>
void for_each_column(F&& visit) {
  for (const TrialField& f : trial_fields())
    if (f.column)
      for_each_value(f, f.column, [&](int k, const std::string& name) { visit(f, name, k); });
}

Cell field_cell(const TrialField& f, const FieldValue& v) {
  switch (f.type) {
    case FieldType::kText:
      return text_cell(v.text);
    case FieldType::kInt:
      return int_cell(v.integer);
    case FieldType::kReal:
      return float_cell(v.real);
    case FieldType::kBool:
      return bool_cell(v.integer != 0);
  }
  return text_cell(v.text);
}
}  // namespace

const std::vector<std::string>& config_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> out;
    for_each_column([&](const TrialField&, const std::string& name, int) { out.push_back(name); });
    return out;
  }();
  return columns;
}

std::vector<Cell> config_cells(const TrialConfig& t) {
  std::vector<Cell> c;
  c.reserve(config_columns().size());
  for_each_column([&](const TrialField& f, const std::string&, int k) {
    c.push_back(field_cell(f, f.get(t, k)));
  });
  return c;
}

Table plan_table(const std::vector<TrialConfig>& plan) {
  Table t;
  t.columns = config_columns();
  t.rows.reserve(plan.size());
  for (const TrialConfig& c : plan) t.rows.push_back(config_cells(c));
  return t;
}

}  // namespace qrsweep
