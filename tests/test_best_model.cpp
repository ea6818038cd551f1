// From a sweep's best_trial.toml to a model in Python, as docs/train.md tells a user:
// `qrsweep train` on every core reproduces the best trial's history; `--all-rows --test`
// reproduces best.safetensors byte for byte and its test accuracy; the docs' NumPy and
// PyTorch loaders predict the test set with the reported accuracy.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "qrsweep/store.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

constexpr const char* kSpace =
    "trials = 4\nseed = 3\nmax_epochs = 4\npatience = 2\n"
    "[layer_size]\nlow = 8\nhigh = 24\n[batch_size]\nlow = 16\nhigh = 64\n";
constexpr int kTestRows = 150;

class BestModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    test::write_noisy_csv(*dir_, 500, kTestRows, 10, 3);
    test::write_file(dir_->file("space.toml"), test::tiny_space(*dir_, kSpace, 100, 3));
    auto r = test::run_qrsweep("sweep --space '" + dir_->file("space.toml") + "' --out '" +
                               dir_->file("s") + "' --backend cpu --jobs 2 --quiet");
    ASSERT_EQ(r.status, 0) << r.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string store() { return store_path(dir_->file("s")); }
  static std::string value(const std::string& sql) { return test::query_text(store(), sql); }
  static std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
  }
  static test::TempDir* dir_;
};

test::TempDir* BestModel::dir_ = nullptr;

// The sweep trained with one thread per trial; `train` uses every core by default.
TEST_F(BestModel, TrainOnEveryCoreReproducesTheBestTrialsHistory) {
  auto r =
      test::run_qrsweep("train --backend cpu --config '" + dir_->file("s/best_trial.toml") + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string trial = value("SELECT trial FROM best");
  const long long epochs =
      std::stoll(value("SELECT epochs_run FROM trials WHERE trial = " + trial));
  std::istringstream out(r.output);
  int seen = 0;
  for (std::string line; std::getline(out, line);) {
    const size_t at = line.find("val_loss ");
    if (line.rfind("epoch ", 0) != 0 || at == std::string::npos) continue;
    ++seen;
    const std::string stored =
        value("SELECT printf('%.17g', val_loss) FROM epochs WHERE trial = " + trial +
              " AND epoch = " + std::to_string(seen));
    ASSERT_FALSE(stored.empty()) << "no epoch " << seen << " stored:\n" << r.output;
    EXPECT_EQ(line.substr(at + 9, 6), fixed(std::stod(stored), 4)) << line;
  }
  EXPECT_EQ(seen, epochs) << r.output;
}

TEST_F(BestModel, AllRowsTestReproducesBestSafetensorsAndItsTestAccuracy) {
  const std::string saved = dir_->file("again.safetensors");
  auto r = test::run_qrsweep("train --backend cpu --config '" + dir_->file("s/best_trial.toml") +
                             "' --all-rows --test --save '" + saved + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(test::read_file(saved) == test::read_file(dir_->file("s/best.safetensors")))
      << "train --all-rows wrote another file than the sweep's best.safetensors";
  const double acc = std::stod(value("SELECT printf('%.17g', test_accuracy) FROM best"));
  EXPECT_NE(r.output.find("test accuracy " + fixed(acc, 4) + " (" + std::to_string(kTestRows) +
                          " test rows)"),
            std::string::npos)
      << r.output;
}

// The loader code of docs/train.md, between its "loader begin" and "loader end" marks,
// run as written.
TEST_F(BestModel, TheDocsLoadersPredictWithTheReportedTestAccuracy) {
  auto probe = test::run_command("/usr/bin/python3 -c 'import torch, numpy'");
  if (probe.status != 0) GTEST_SKIP() << "python3-torch is not installed: " << probe.output;
  const std::string doc = test::read_file(std::string(QRSWEEP_SOURCE_DIR) + "/docs/train.md");
  const size_t begin = doc.find("<!-- loader begin -->"), end = doc.find("<!-- loader end -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  std::string code;
  std::istringstream section(doc.substr(begin, end - begin));
  bool in_code = false;
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("```", 0) == 0) {
      in_code = !in_code;
      continue;
    }
    if (in_code) code += line + "\n";
  }
  ASSERT_NE(code.find("def torch_model"), std::string::npos) << code;
  test::write_file(dir_->file("loader.py"),
                   code +
                       "\nimport sys\n"
                       "rows = np.loadtxt(sys.argv[2], delimiter=',', dtype=np.int64)\n"
                       "x, y = rows[:, 1:].astype(np.uint8), rows[:, 0]\n"
                       "print('numpy', (predict_numpy(sys.argv[1], x).argmax(1) == y).sum())\n"
                       "with torch.no_grad():\n"
                       "    z = torch_model(sys.argv[1])(torch.from_numpy(x.astype(np.float32) "
                       "/ 255))\n"
                       "print('torch', (z.argmax(1).numpy() == y).sum())\n");
  auto r =
      test::run_command("/usr/bin/python3 '" + dir_->file("loader.py") + "' '" +
                        dir_->file("s/best.safetensors") + "' '" + dir_->file("test.csv") + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  const double acc = std::stod(value("SELECT printf('%.17g', test_accuracy) FROM best"));
  const long long correct = std::llround(acc * kTestRows);
  for (const char* side : {"numpy ", "torch "}) {
    const size_t at = r.output.find(side);
    ASSERT_NE(at, std::string::npos) << r.output;
    // Float32 sums in another order may flip a near tie: one row at most.
    EXPECT_LE(std::llabs(std::stoll(r.output.substr(at + 6)) - correct), 1)
        << side << "against the sweep's " << correct << " of " << kTestRows << ":\n"
        << r.output;
  }
}

}  // namespace
}  // namespace qrsweep
