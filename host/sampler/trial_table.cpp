// The trial table's columns and cells (trial_table.h): one TrialConfig per row, in the
// notebook's column order so its all_trials.csv and ours line up.
#include "qrsweep/trial_table.h"

#include "qrsweep/number_format.h"

namespace qrsweep {

Cell text_cell(std::string s) { return Cell{Cell::Kind::kText, std::move(s)}; }
Cell int_cell(int64_t v) { return Cell{Cell::Kind::kInt, std::to_string(v)}; }
Cell float_cell(double v) { return Cell{Cell::Kind::kFloat, format_double(v)}; }
Cell bool_cell(bool v) { return Cell{Cell::Kind::kBool, v ? "True" : "False"}; }

const std::vector<std::string>& config_columns() {
  static const std::vector<std::string> columns = {"Structure",
                                                   "Number of hidden layers",
                                                   "Activation",
                                                   "Allow dropout layers?",
                                                   "Allow momentum?",
                                                   "L3",
                                                   "L4",
                                                   "L5",
                                                   "D1",
                                                   "D2",
                                                   "D3",
                                                   "D4",
                                                   "D5",
                                                   "L1N",
                                                   "L2N",
                                                   "L3N",
                                                   "L4N",
                                                   "L5N",
                                                   "D1R",
                                                   "D2R",
                                                   "D3R",
                                                   "D4R",
                                                   "D5R",
                                                   "Learning rate",
                                                   "Momentum",
                                                   "Batch size",
                                                   "Trial",
                                                   "Seed"};
  return columns;
}

std::vector<Cell> config_cells(const TrialConfig& t) {
  std::vector<Cell> c;
  c.reserve(config_columns().size());
  c.push_back(text_cell(structure_name(t.structure)));
  c.push_back(int_cell(t.hidden_layers));
  c.push_back(text_cell(activation_name(t.activation)));
  c.push_back(bool_cell(t.allow_dropout));
  c.push_back(bool_cell(t.allow_momentum));
  for (int k = 3; k <= kMaxHiddenLayers; ++k) c.push_back(bool_cell(t.hidden_layers >= k));
  for (int k = 0; k < kMaxHiddenLayers; ++k) c.push_back(bool_cell(t.dropout[k]));
  for (int k = 0; k < kMaxHiddenLayers; ++k) c.push_back(int_cell(t.sizes[k]));
  for (int k = 0; k < kMaxHiddenLayers; ++k) c.push_back(float_cell(t.dropout_rate[k]));
  c.push_back(float_cell(t.learning_rate));
  c.push_back(float_cell(t.momentum));
  c.push_back(int_cell(t.batch_size));
  c.push_back(int_cell(t.index));
  c.push_back(int_cell(static_cast<int64_t>(t.seed)));
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
