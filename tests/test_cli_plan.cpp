// `qrsweep plan` and the trial table it writes: the notebook preset's 300 rows, CSV and
// JSON by extension, overrides, shards, exit status 2 on bad input, number formatting.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/number_format.h"
#include "qrsweep/philox.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "qrsweep/trial_table.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

const std::string kNotebook = std::string(QRSWEEP_SOURCE_DIR) + "/examples/notebook.toml";

std::string quote(const std::string& s) { return "'" + s + "'"; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Splits one CSV line without quoted fields (the plan has none).
std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string f; std::getline(in, f, ',');) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.push_back("");
  return out;
}

TEST(CliPlan, NotebookPresetWritesItsThreeHundredTrials) {
  test::TempDir dir;
  auto r =
      test::run_qrsweep("plan --space " + quote(kNotebook) + " --out " + quote(dir.file("x.csv")));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("wrote 300 rows to " + dir.file("x.csv")), std::string::npos) << r.output;
  std::vector<std::string> csv = lines(test::read_file(dir.file("x.csv")));
  ASSERT_EQ(csv.size(), 301u);
  EXPECT_EQ(csv[0],
            "Structure,Number of hidden layers,Activation,Allow dropout layers?,Allow momentum?,"
            "L3,L4,L5,D1,D2,D3,D4,D5,L1N,L2N,L3N,L4N,L5N,D1R,D2R,D3R,D4R,D5R,Learning rate,"
            "Momentum,Batch size,Trial,Seed");
  // The file holds the library's plan, value for value: floats read back to the same bits.
  std::vector<TrialConfig> plan = make_plan(parse_space_file(kNotebook));
  for (size_t i = 0; i < plan.size(); ++i) {
    std::vector<std::string> f = fields(csv[i + 1]);
    ASSERT_EQ(f.size(), config_columns().size()) << csv[i + 1];
    const TrialConfig& t = plan[i];
    EXPECT_EQ(f[0], structure_name(t.structure));
    EXPECT_EQ(std::stoi(f[1]), t.hidden_layers);
    EXPECT_EQ(f[3], t.allow_dropout ? "True" : "False");
    for (int k = 0; k < kMaxHiddenLayers; ++k) {
      EXPECT_EQ(std::stoi(f[13 + k]), t.sizes[k]);
      EXPECT_EQ(std::strtod(f[18 + k].c_str(), nullptr), t.dropout_rate[k]);
    }
    EXPECT_EQ(std::strtod(f[23].c_str(), nullptr), t.learning_rate);
    EXPECT_EQ(std::strtod(f[24].c_str(), nullptr), t.momentum);
    EXPECT_EQ(std::stoi(f[25]), t.batch_size);
    EXPECT_EQ(f[26], std::to_string(i));
    EXPECT_EQ(f[27], "0");
  }
  // No temporary file is left beside the output.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    entries += !e.is_directory();
  EXPECT_EQ(entries, 1);
}

TEST(CliPlan, JsonIsAnArrayOfTypedObjects) {
  test::TempDir dir;
  auto r = test::run_qrsweep("plan --space " + quote(kNotebook) + " --trials 20 --seed 7 --out " +
                             quote(dir.file("p.JSON")));
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::ordered_json::parse(test::read_file(dir.file("p.JSON")));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 20u);
  SearchSpace space = parse_space_file(kNotebook);
  space.trials = 20;
  space.seed = 7;
  std::vector<TrialConfig> plan = make_plan(space);
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& row = j[i];
    std::vector<std::string> keys;
    for (auto it = row.begin(); it != row.end(); ++it) keys.push_back(it.key());
    EXPECT_EQ(keys, config_columns());
    EXPECT_TRUE(row["Allow momentum?"].is_boolean());
    EXPECT_TRUE(row["Structure"].is_string());
    EXPECT_TRUE(row["Batch size"].is_number_integer());
    EXPECT_EQ(row["Trial"].get<int>(), static_cast<int>(i));
    EXPECT_EQ(row["Seed"].get<int>(), 7);
    EXPECT_EQ(row["Learning rate"].get<double>(), plan[i].learning_rate);
    EXPECT_EQ(row["Momentum"].get<double>(), plan[i].momentum);
    EXPECT_EQ(row["L1N"].get<int>(), plan[i].sizes[0]);
  }
}

TEST(CliPlan, ShardsConcatenateToTheWholePlan) {
  test::TempDir dir;
  auto whole = test::run_qrsweep("plan --space " + quote(kNotebook) + " --trials 10 --out " +
                                 quote(dir.file("all.csv")));
  ASSERT_EQ(whole.status, 0) << whole.output;
  std::vector<std::string> all = lines(test::read_file(dir.file("all.csv")));
  ASSERT_EQ(all.size(), 11u);
  size_t rows = 0;
  for (int i = 0; i < 3; ++i) {
    std::string out = dir.file("s" + std::to_string(i) + ".csv");
    auto r = test::run_qrsweep("plan --space " + quote(kNotebook) + " --trials 10 --shard " +
                               std::to_string(i) + "/3 --out " + quote(out));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("shard " + std::to_string(i) + "/3"), std::string::npos) << r.output;
    std::vector<std::string> part = lines(test::read_file(out));
    EXPECT_EQ(part[0], all[0]);
    for (size_t k = 1; k < part.size(); ++k) {
      int trial = std::stoi(fields(part[k])[26]);
      EXPECT_EQ(trial % 3, i);
      EXPECT_EQ(part[k], all[trial + 1]) << "trial " << trial;
      ++rows;
    }
  }
  EXPECT_EQ(rows, 10u);
}

TEST(CliPlan, BadInputExitsTwoNamingTheCulprit) {
  test::TempDir dir;
  test::write_file(dir.file("bad.toml"), "trials = 10\n[learning_rate]\nlow = 0.5\nhigh = 0.1\n");
  test::write_file(dir.file("typo.toml"), "trails = 10\n");
  const std::string out = " --out " + quote(dir.file("o.csv"));
  struct Case {
    std::string args;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {"--space " + quote(kNotebook) + " --shard 3/3" + out, {"--shard", "3/3"}},
      {"--space " + quote(kNotebook) + " --shard two" + out, {"--shard", "two"}},
      {"--space " + quote(kNotebook) + " --trials 0" + out, {"--trials", "0"}},
      {"--space " + quote(kNotebook) + " --trials x" + out, {"--trials", "x"}},
      {"--space " + quote(kNotebook) + " --seed -5" + out, {"--seed", "-5"}},
      {"--space " + quote(dir.file("bad.toml")) + out,
       {"bad.toml", "learning_rate.low = 0.5", "0.1"}},
      {"--space " + quote(dir.file("typo.toml")) + out,
       {"typo.toml:1", "trails = 10", "unknown key"}},
      {"--space " + quote(dir.file("missing.toml")) + out, {"missing.toml"}},
      {"--space " + quote(kNotebook) + " --out " + quote(dir.file("o.txt")),
       {"o.txt", ".csv or .json"}},
      {"--out " + quote(dir.file("o.csv")), {"--space"}},
  };
  for (const Case& c : cases) {
    auto r = test::run_qrsweep("plan " + c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.output;
    for (const auto& s : c.says)
      EXPECT_NE(r.output.find(s), std::string::npos) << "'" << s << "' missing:\n" << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.csv")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.txt")));
}

TEST(TrialTable, CsvQuotingFollowsRfc4180) {
  Table t;
  t.columns = {"plain", "with,comma", "q"};
  t.rows.push_back({text_cell("a"), text_cell("b,c"), text_cell("say \"hi\"")});
  t.rows.push_back({text_cell("line\nbreak"), int_cell(-3), bool_cell(false)});
  EXPECT_EQ(table_to_csv(t),
            "plain,\"with,comma\",q\n"
            "a,\"b,c\",\"say \"\"hi\"\"\"\n"
            "\"line\nbreak\",-3,False\n");
}

TEST(TrialTable, JsonTypesAndNonFiniteNumbers) {
  Table t;
  t.columns = {"s", "i", "f", "b", "nan"};
  t.rows.push_back({text_cell("x\"y"), int_cell(42), float_cell(0.1), bool_cell(true),
                    float_cell(std::nan(""))});
  auto j = nlohmann::json::parse(table_to_json(t));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["s"], "x\"y");
  EXPECT_EQ(j[0]["i"], 42);
  EXPECT_EQ(j[0]["f"].get<double>(), 0.1);
  EXPECT_EQ(j[0]["b"], true);
  EXPECT_TRUE(j[0]["nan"].is_null());
}

TEST(TrialTable, ConfigCellsSpellThePlan) {
  TrialConfig t;
  t.index = 4;
  t.seed = 11;
  t.structure = Structure::kAscendingMax;
  t.hidden_layers = 3;
  t.activation = Activation::kSigmoid;
  t.allow_dropout = true;
  t.allow_momentum = false;
  t.sizes = {100, 200, 400, 0, 0};
  t.dropout = {true, false, false, false, false};
  t.dropout_rate = {0.1726, 0, 0, 0, 0};
  t.learning_rate = 0.0030597;
  t.momentum = 0.0;
  t.batch_size = 544;
  std::vector<Cell> c = config_cells(t);
  std::vector<std::string> text;
  for (const Cell& x : c) text.push_back(x.text);
  EXPECT_EQ(text, (std::vector<std::string>{
                      "Ascending max", "3",    "sigmoid",   "True",  "False",  "True",  "False",
                      "False",         "True", "False",     "False", "False",  "False", "100",
                      "200",           "400",  "0",         "0",     "0.1726", "0.0",   "0.0",
                      "0.0",           "0.0",  "0.0030597", "0.0",   "544",    "4",     "11"}));
}

TEST(TrialTable, WriteRejectsUnknownExtensions) {
  test::TempDir dir;
  Table t;
  t.columns = {"a"};
  EXPECT_THROW(write_table(t, dir.file("x.tsv")), ConfigError);
  EXPECT_THROW(write_table(t, dir.file("noext")), ConfigError);
  EXPECT_THROW(write_table(t, dir.file("dir.csv/x")), ConfigError);
  EXPECT_THROW(write_table(t, dir.file("no/such/dir.csv")), Error);
  write_table(t, dir.file("ok.csv"));
  EXPECT_EQ(test::read_file(dir.file("ok.csv")), "a\n");
}

TEST(NumberFormat, ShortestRoundTripInPythonsSpelling) {
  EXPECT_EQ(format_double(0.0), "0.0");
  EXPECT_EQ(format_double(-0.0), "-0.0");
  EXPECT_EQ(format_double(20.0), "20.0");
  EXPECT_EQ(format_double(0.0005), "0.0005");
  EXPECT_EQ(format_double(1e-5), "1e-05");
  EXPECT_EQ(format_double(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_double(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(format_double(123456789.0), "123456789.0");
  EXPECT_EQ(format_double(1e16), "1e+16");
  EXPECT_EQ(format_double(1.5e300), "1.5e+300");
  EXPECT_EQ(format_double(INFINITY), "inf");
  EXPECT_EQ(format_double(std::nan("")), "nan");
}

TEST(NumberFormat, MatchesPythonReprOnRandomDoubles) {
  const std::string python = "/usr/bin/python3";
  if (test::run_command(python + " -c pass").status != 0) GTEST_SKIP() << "no " << python;
  test::TempDir dir;
  PhiloxStream s{17, 0, 0x44u};
  std::string hex, ours;
  char buf[64];
  for (uint64_t i = 0; i < 2000; ++i) {
    // Values across many magnitudes, plus exact binary fractions like Sobol points.
    double mant = uniform01_53(s.word(2 * i), s.word(2 * i + 1));
    int e = static_cast<int>(below(s.word(4000 + i), 60)) - 30;
    double x = i % 4 == 0 ? std::ldexp(std::floor(mant * 4294967296.0), -32) : std::ldexp(mant, e);
    std::snprintf(buf, sizeof buf, "%a\n", x);
    hex += buf;
    ours += format_double(x) + "\n";
    EXPECT_EQ(std::strtod(format_double(x).c_str(), nullptr), x);
  }
  test::write_file(dir.file("x.txt"), hex);
  auto r = test::run_command(
      python + " -c 'import sys\nfor t in open(sys.argv[1]): print(repr(float.fromhex(t)))' " +
      quote(dir.file("x.txt")));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, ours);
}

}  // namespace
}  // namespace qrsweep
