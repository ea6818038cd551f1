// The trial table (docs/sweep.md#qrsweep-export): the notebook's column names for a trial's
// configuration, qrsweep's own columns after them, cells as text, and CSV / JSON writers that
// `plan` and `export` share.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "qrsweep/trial.h"

namespace qrsweep {

// A cell keeps its text (what the CSV holds) and its kind (what JSON makes of it).
struct Cell {
  enum class Kind { kText, kInt, kFloat, kBool };
  Kind kind = Kind::kText;
  std::string text;
};
Cell text_cell(std::string s);
Cell int_cell(int64_t v);
Cell float_cell(double v);  // shortest round-trip text (number_format.h)
Cell bool_cell(bool v);     // True / False, as pandas writes them

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;  // each row has columns.size() cells
};

// Structure, Number of hidden layers, Activation, Allow dropout layers?, Allow momentum?,
// L3, L4, L5, D1..D5, L1N..L5N, D1R..D5R, Learning rate, Momentum, Batch size, Trial, Seed.
const std::vector<std::string>& config_columns();
// One trial's cells in config_columns() order.
std::vector<Cell> config_cells(const TrialConfig& t);
// The plan as a table: config_columns(), one row per trial.
Table plan_table(const std::vector<TrialConfig>& plan);

// RFC 4180 CSV: a header row, fields with a comma, quote, CR or LF quoted ("" for "),
// LF line ends (as pandas writes).
std::string table_to_csv(const Table& table);
// A JSON array of objects keyed by column name in column order: ints and floats as
// numbers (non-finite floats as null), booleans as true/false, text as strings.
std::string table_to_json(const Table& table);

// Writes the table as CSV or JSON by the file's extension (.csv / .json, any case; else
// ConfigError), replacing the file whole and durably (host/io/table_writer.cpp).
void write_table(const Table& table, const std::string& path);

}  // namespace qrsweep
