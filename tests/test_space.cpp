// The search-space file: defaults (the notebook's preset), parsing, canonical TOML
// round trip, diffs, and every validation error naming the file, key and value.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/space.h"
#include "sampler/space_data.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

const std::string kExamples = std::string(QRSWEEP_SOURCE_DIR) + "/examples/";

TEST(Space, DefaultIsTheNotebookPreset) {
  SearchSpace s;  // docs/space.md
  EXPECT_EQ(s.trials, 300);
  EXPECT_EQ(s.sampler, SamplerKind::kSobol);
  EXPECT_EQ(s.activations,
            (std::vector<Activation>{Activation::kRelu, Activation::kTanh, Activation::kSigmoid}));
  EXPECT_EQ(s.layer_size.low, 20);
  EXPECT_EQ(s.layer_size.high, 1500);
  EXPECT_EQ(s.dropout_rate.low, 0);
  EXPECT_EQ(s.dropout_rate.high, 0.7);
  EXPECT_EQ(s.learning_rate.low, 0.0005);
  EXPECT_EQ(s.learning_rate.high, 0.005);
  EXPECT_EQ(s.learning_rate.scale, Scale::kLinear);
  EXPECT_EQ(s.momentum.low, 0);
  EXPECT_EQ(s.momentum.high, 1);
  EXPECT_EQ(s.batch_size.low, 5);
  EXPECT_EQ(s.batch_size.high, 600);
  EXPECT_EQ(s.max_epochs, 100);
  EXPECT_EQ(s.patience, 5);
  EXPECT_FALSE(s.clamp_layer_sizes);
  EXPECT_EQ(s.data.format, "idx");
  EXPECT_EQ(s.data.validation, 10000);
  EXPECT_EQ(s.data.classes, 10);
  EXPECT_NO_THROW(validate_space(s, "default"));
}

TEST(Space, EmptyFileAndNotebookExampleAreTheDefault) {
  EXPECT_TRUE(diff_spaces(parse_space_text("", "empty.toml"), SearchSpace{}).empty());
  auto d = diff_spaces(parse_space_file(kExamples + "notebook.toml"), SearchSpace{});
  EXPECT_TRUE(d.empty()) << d.front();
}

TEST(Space, CpuQuickExampleParses) {
  // The README's CPU preset: 16 small trials, clamped widths 32..192, batch 32..512,
  // at most 10 epochs with patience 3 (README and docs/sweep.md quote these).
  SearchSpace s = parse_space_file(kExamples + "cpu-quick.toml");
  EXPECT_EQ(s.trials, 16);
  EXPECT_TRUE(s.clamp_layer_sizes);
  EXPECT_EQ(s.layer_size.low, 32);
  EXPECT_EQ(s.layer_size.high, 192);
  EXPECT_EQ(s.batch_size.low, 32);
  EXPECT_EQ(s.batch_size.high, 512);
  EXPECT_EQ(s.max_epochs, 10);
  EXPECT_EQ(s.patience, 3);
}

TEST(Space, NotebookHalvingExampleIsTheNotebookWithASchedule) {
  // examples/notebook-halving.toml: the notebook's space, more trials, halving from 3 epochs
  // by thirds (its comment quotes the rungs and the epoch bound).
  const SearchSpace s = parse_space_file(kExamples + "notebook-halving.toml");
  SearchSpace want = parse_space_file(kExamples + "notebook.toml");
  want.trials = 729;
  want.schedule.kind = ScheduleKind::kHalving;
  want.schedule.min_epochs = 3;
  want.schedule.eta = 3;
  const auto d = diff_spaces(s, want);
  EXPECT_TRUE(d.empty()) << d.front();
  EXPECT_EQ(schedule_rungs(s.schedule, s.max_epochs), (std::vector<int>{3, 9, 27, 81, 100}));
}

TEST(Space, CpuHalvingExampleParses) {
  // The quick start's CPU preset (scripts/quickstart.sh): 27 trials halved at 3, 9 and 27
  // epochs, then at most 40, widths 64..512 clamped (README and docs/sweep.md quote these).
  const SearchSpace s = parse_space_file(kExamples + "cpu-halving.toml");
  EXPECT_EQ(s.trials, 27);
  EXPECT_TRUE(s.clamp_layer_sizes);
  EXPECT_EQ(s.layer_size.low, 64);
  EXPECT_EQ(s.layer_size.high, 512);
  EXPECT_EQ(s.max_epochs, 40);
  EXPECT_EQ(s.patience, 5);
  EXPECT_EQ(s.schedule.kind, ScheduleKind::kHalving);
  EXPECT_EQ(schedule_rungs(s.schedule, s.max_epochs), (std::vector<int>{3, 9, 27, 40}));
  EXPECT_EQ(cohort_of(s.schedule, s.max_epochs, s.trials, 26).number, 0);  // one cohort
}

TEST(Space, ParsesEveryKey) {
  const char* text = R"(
trials = 42
seed = 9007199254740993
sampler = "random"
activations = ["tanh", "tanh", "relu"]
max_epochs = 7
patience = 3
clamp_layer_sizes = true
learning_rate = { low = 1e-4, high = 1e-2, scale = "log" }
[layer_size]
low = 8
high = 64.5
[dropout_rate]
low = 0.1
high = 0.5
[momentum]
low = 0.25
high = 0.75
scale = "linear"
[batch_size]
low = 16
high = 16
[data]
format = "csv"
dir = "ignored"
train_csv = "a b/train.csv"
test_csv = "test \"x\".csv"
validation = 500
classes = 3
)";
  SearchSpace s = parse_space_text(text, "all.toml");
  EXPECT_EQ(s.trials, 42);
  EXPECT_EQ(s.seed, 9007199254740993ull);
  EXPECT_EQ(s.sampler, SamplerKind::kRandom);
  EXPECT_EQ(s.activations,
            (std::vector<Activation>{Activation::kTanh, Activation::kTanh, Activation::kRelu}));
  EXPECT_EQ(s.max_epochs, 7);
  EXPECT_EQ(s.patience, 3);
  EXPECT_TRUE(s.clamp_layer_sizes);
  EXPECT_EQ(s.learning_rate.low, 1e-4);
  EXPECT_EQ(s.learning_rate.high, 1e-2);
  EXPECT_EQ(s.learning_rate.scale, Scale::kLog);
  EXPECT_EQ(s.layer_size.low, 8);
  EXPECT_EQ(s.layer_size.high, 64.5);
  EXPECT_EQ(s.dropout_rate.low, 0.1);
  EXPECT_EQ(s.dropout_rate.high, 0.5);
  EXPECT_EQ(s.dropout_rate.scale, Scale::kLinear);
  EXPECT_EQ(s.momentum.low, 0.25);
  EXPECT_EQ(s.momentum.high, 0.75);
  EXPECT_EQ(s.batch_size.low, 16);
  EXPECT_EQ(s.batch_size.high, 16);
  EXPECT_EQ(s.data.format, "csv");
  EXPECT_EQ(s.data.dir, "ignored");
  EXPECT_EQ(s.data.train_csv, "a b/train.csv");
  EXPECT_EQ(s.data.test_csv, "test \"x\".csv");
  EXPECT_EQ(s.data.validation, 500);
  EXPECT_EQ(s.data.classes, 3);

  // The canonical form reads back to the same space and is a fixed point.
  std::string canon = to_toml(s);
  SearchSpace back = parse_space_text(canon, "canonical.toml");
  auto d = diff_spaces(s, back);
  EXPECT_TRUE(d.empty()) << d.front();
  EXPECT_EQ(to_toml(back), canon);
}

// split is written only when it is not the default, so a store made before the key
// existed keeps its identity; a stratified split is part of it, seed included.
TEST(Space, StratifiedSplitIsPartOfTheCanonicalForm) {
  SearchSpace s;
  EXPECT_EQ(to_toml(s).find("split"), std::string::npos) << to_toml(s);
  s = parse_space_text("[data]\nsplit = \"stratified\"\nsplit_seed = 7\n", "s.toml");
  EXPECT_EQ(s.data.split, "stratified");
  EXPECT_EQ(s.data.split_seed, 7u);
  const std::string canon = to_toml(s);
  EXPECT_NE(canon.find("split = \"stratified\"\nsplit_seed = 7\n"), std::string::npos) << canon;
  SearchSpace back = parse_space_text(canon, "canonical.toml");
  EXPECT_TRUE(diff_spaces(s, back).empty());
  EXPECT_EQ(to_toml(back), canon);
  SearchSpace other = back;
  other.data.split_seed = 8;
  EXPECT_FALSE(diff_spaces(back, other).empty());
  EXPECT_NE(data_table_toml(s.data).find("split = \"stratified\""), std::string::npos);
}

TEST(Space, CanonicalFormRoundTripsAwkwardValues) {
  SearchSpace s;
  s.seed = 9223372036854775807ull;  // the largest TOML integer
  s.learning_rate = Range{0.1 + 0.2, 1.0 / 3.0, Scale::kLog};
  s.momentum = Range{1e-300, 0.9999999999999999, Scale::kLinear};
  s.layer_size = Range{1, 1e6, Scale::kLog};
  s.data.dir = "tab\there \\ back\\slash \"quoted\" \x01 ctrl";
  std::string canon = to_toml(s);
  SearchSpace back = parse_space_text(canon, "canonical.toml");
  EXPECT_TRUE(diff_spaces(s, back).empty()) << canon;
  EXPECT_EQ(back.learning_rate.low, 0.1 + 0.2);  // bit for bit, not "0.3"
  EXPECT_EQ(back.momentum.high, 0.9999999999999999);
  EXPECT_EQ(back.data.dir, s.data.dir);
  EXPECT_EQ(back.seed, s.seed);
}

TEST(Space, CanonicalFormListsEveryKeyOnce) {
  std::string canon = to_toml(SearchSpace{});
  for (const char* key : {"trials = 300",
                          "seed = 0",
                          "sampler = \"sobol\"",
                          "activations = [\"relu\", \"tanh\", \"sigmoid\"]",
                          "max_epochs = 100",
                          "patience = 5",
                          "clamp_layer_sizes = false",
                          "[layer_size]",
                          "low = 20.0",
                          "high = 1500.0",
                          "[dropout_rate]",
                          "high = 0.7",
                          "[learning_rate]",
                          "low = 0.0005",
                          "high = 0.005",
                          "[momentum]",
                          "[batch_size]",
                          "high = 600.0",
                          "[data]",
                          "format = \"idx\"",
                          "dir = \"\"",
                          "train_csv = \"\"",
                          "test_csv = \"\"",
                          "validation = 10000",
                          "classes = 10"})
    EXPECT_NE(canon.find(key), std::string::npos) << key << "\n" << canon;
  EXPECT_EQ(canon.find("[layer_size]"), canon.rfind("[layer_size]"));
}

TEST(Space, DiffListsTheChangedKeys) {
  SearchSpace a, b;
  EXPECT_TRUE(diff_spaces(a, b).empty());
  b.trials = 10;
  b.learning_rate.low = 0.0001;
  b.learning_rate.scale = Scale::kLog;
  b.activations = {Activation::kRelu};
  b.data.dir = "/data";
  auto d = diff_spaces(a, b);
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0], "trials: 300 -> 10");
  EXPECT_EQ(d[1], "activations: [\"relu\", \"tanh\", \"sigmoid\"] -> [\"relu\"]");
  EXPECT_EQ(d[2], "learning_rate.low: 0.0005 -> 0.0001");
  EXPECT_EQ(d[3], "learning_rate.scale: \"linear\" -> \"log\"");
  EXPECT_EQ(d[4], "data.dir: \"\" -> \"/data\"");
}

TEST(Space, RangeMapsUnitPoints) {
  Range lin{2, 10, Scale::kLinear}, lg{1e-4, 1e-2, Scale::kLog};
  EXPECT_EQ(lin.at(0.0), 2);
  EXPECT_EQ(lin.at(0.5), 6);
  EXPECT_DOUBLE_EQ(lg.at(0.5), 1e-3);  // the geometric mean
  EXPECT_DOUBLE_EQ(lg.at(0.0), 1e-4);
  EXPECT_DOUBLE_EQ(lg.at(1.0), 1e-2);
  for (double u : {0.0, 0.125, 0.3, 0.999}) {
    EXPECT_NEAR(lin.unit(lin.at(u)), u, 1e-15);
    EXPECT_NEAR(lg.unit(lg.at(u)), u, 1e-12);
  }
}

struct BadCase {
  const char* text;
  std::vector<const char*> says;  // substrings the message must hold: the key and the value
};

TEST(Space, EveryErrorNamesFileKeyAndValue) {
  const std::vector<BadCase> cases = {
      // unknown keys, at the top and inside tables
      {"trials = 3\nfoo = 1\n", {"bad.toml:2", "foo = 1", "unknown key"}},
      {"[layer_size]\nlowest = 3\n", {"bad.toml:2", "layer_size.lowest = 3", "unknown key"}},
      {"learning_rate = { low = 0.1, hi = 0.2 }\n", {"learning_rate.hi = 0.2", "unknown key"}},
      {"[data]\npath = \"x\"\n", {"data.path = \"x\"", "unknown key"}},
      {"[extra]\nx = 1\n", {"extra = { x = 1 }", "unknown key"}},
      // wrong types
      {"trials = \"300\"\n", {"bad.toml:1", "trials = \"300\"", "integer"}},
      {"trials = 300.0\n", {"trials = 300.0", "integer"}},
      {"seed = 1.5\n", {"seed = 1.5", "integer"}},
      {"layer_size = 5\n", {"layer_size = 5", "table"}},
      {"[learning_rate]\nlow = \"a\"\n", {"bad.toml:2", "learning_rate.low = \"a\"", "number"}},
      {"clamp_layer_sizes = 1\n", {"clamp_layer_sizes = 1", "true or false"}},
      {"activations = \"relu\"\n", {"activations = \"relu\"", "array"}},
      {"activations = [\"relu\", 3]\n", {"activations[1] = 3", "string"}},
      {"[data]\nvalidation = \"all\"\n", {"data.validation = \"all\"", "integer"}},
      {"[data]\ndir = 3\n", {"data.dir = 3", "string"}},
      {"trials = 99999999999\n", {"trials = 99999999999", "out of range"}},
      // bad choices
      {"sampler = \"halton\"\n", {"sampler = \"halton\"", "\"sobol\" or \"random\""}},
      {"[momentum]\nscale = \"exp\"\n", {"momentum.scale = \"exp\"", "\"linear\" or \"log\""}},
      {"[data]\nformat = \"parquet\"\n",
       {"data.format = \"parquet\"", "\"csv\", \"npy\" or \"npz\""}},
      // low > high, log with low <= 0, non-finite
      {"[layer_size]\nlow = 100\nhigh = 10\n",
       {"layer_size.low = 100.0", "layer_size.high = 10.0"}},
      {"[dropout_rate]\nlow = 0.5\nhigh = 0.2\n", {"dropout_rate.low = 0.5", "0.2"}},
      {"[momentum]\nlow = 0\nscale = \"log\"\n", {"momentum.low = 0.0", "log"}},
      {"[learning_rate]\nlow = -1e-3\nscale = \"log\"\n", {"learning_rate.low = -0.001", "log"}},
      {"[learning_rate]\nhigh = nan\n", {"learning_rate.high = nan", "finite"}},
      {"[learning_rate]\nlow = 0.0\n", {"learning_rate.low = 0.0", "> 0"}},
      // activations
      {"activations = []\n", {"activations = []", "at least one"}},
      {"activations = [\"relu\", \"gelu\"]\n",
       {"bad.toml:1", "activations[1] = \"gelu\"", "unknown activation"}},
      {"activations = [\"linear\"]\n", {"activations[0] = \"linear\"", "unknown activation"}},
      // sizes, batch sizes, trials and the other integer bounds
      {"[layer_size]\nlow = 0\nhigh = 10\n", {"layer_size.low = 0.0", ">= 1"}},
      {"[batch_size]\nlow = 0.5\n", {"batch_size.low = 0.5", ">= 1"}},
      {"[layer_size]\nhigh = 2e6\n", {"layer_size.high = 2000000.0", "<= 1000000.0"}},
      {"[batch_size]\nhigh = 1e300\n", {"batch_size.high = 1e+300", "<="}},
      {"trials = 0\n", {"trials = 0", ">= 1"}},
      {"trials = -5\n", {"trials = -5", ">= 1"}},
      {"seed = -1\n", {"seed = -1", ">= 0"}},
      {"max_epochs = 0\n", {"max_epochs = 0", ">= 1"}},
      {"patience = 0\n", {"patience = 0", ">= 1"}},
      // dropout and momentum bounds
      {"[dropout_rate]\nhigh = 1.0\n", {"dropout_rate.high = 1.0", "< 1"}},
      {"[dropout_rate]\nlow = -0.1\n", {"dropout_rate.low = -0.1", ">= 0"}},
      {"[momentum]\nhigh = 1.5\n", {"momentum.high = 1.5", "[0, 1]"}},
      {"[momentum]\nlow = -0.5\n", {"momentum.low = -0.5", "[0, 1]"}},
      // [data]
      {"[data]\nformat = \"csv\"\ntest_csv = \"t.csv\"\n", {"data.train_csv = \"\"", "csv"}},
      {"[data]\nformat = \"csv\"\ntrain_csv = \"t.csv\"\n", {"data.test_csv = \"\"", "csv"}},
      {"[data]\nvalidation = 0\n", {"data.validation = 0", ">= 1"}},
      {"[data]\nclasses = 1\n", {"data.classes = 1", ">= 2"}},
      {"[data]\nclasses = 300\n", {"data.classes = 300", "256"}},
      {"[data]\nsplit = \"random\"\n", {"data.split = \"random\"", "\"stratified\""}},
      {"[data]\nsplit_seed = -1\n", {"data.split_seed = -1", ">= 0"}},
      {"[data]\nscale = \"minmax\"\n",
       {"data.scale = \"minmax\"", "\"divide_by_255\", \"none\" or \"standardize\""}},
      {"[data]\nscale = 255\n", {"data.scale", "string"}},
      {"[data]\nformat = \"npz\"\n", {"data.file = \"\"", "npz"}},
      {"[data]\nformat = \"npy\"\n", {"data.dir = \"\"", "x_train.npy"}},
      // not TOML at all
      {"trials = \n", {"bad.toml:1", "not valid TOML"}},
      {"[layer_size]\n[layer_size]\n", {"bad.toml:2", "not valid TOML"}},
  };
  for (const BadCase& c : cases) {
    try {
      parse_space_text(c.text, "bad.toml");
      ADD_FAILURE() << "accepted:\n" << c.text;
    } catch (const ConfigError& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.rfind("bad.toml", 0), 0u) << msg;
      for (const char* s : c.says)
        EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' missing from: " << msg;
    }
  }
}

TEST(Space, ValidatesProgrammaticSpaces) {
  SearchSpace s;
  s.trials = 0;
  try {
    validate_space(s, "--trials");
    ADD_FAILURE() << "trials = 0 accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--trials: trials = 0"), std::string::npos) << e.what();
  }
  s = SearchSpace{};
  s.activations = {Activation::kNone};
  EXPECT_THROW(validate_space(s, "x"), ConfigError);
  s = SearchSpace{};
  s.seed = ~0ull;  // no TOML integer can hold it, so the store could not save it
  EXPECT_THROW(validate_space(s, "x"), ConfigError);
}

TEST(Space, MissingFileNamesThePath) {
  test::TempDir dir;
  try {
    parse_space_file(dir.file("nope.toml"));
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("nope.toml")), std::string::npos);
  }
  test::write_file(dir.file("ok.toml"), "trials = 7\n");
  EXPECT_EQ(parse_space_file(dir.file("ok.toml")).trials, 7);
}

}  // namespace
}  // namespace qrsweep
