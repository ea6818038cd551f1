// Real-valued data end to end: `qrsweep train` on a CSV of real values under each scale
// (the saved model's metadata says which), bad values and keys with their exit statuses,
// and a sweep whose report names the scale and whose resume under another scale is refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "qrsweep/weights.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

// 3 classes, 4 real features on very different scales (one near 1e4), 240 rows.
std::string real_csv(int rows, int salt) {
  std::string out = "label,a,b,c,d\n";
  for (int r = 0; r < rows; ++r) {
    const int y = (r * 7 + salt) % 3;
    const double u = ((r * 37 + salt * 11) % 101) / 101.0 - 0.5;
    out += std::to_string(y) + "," + std::to_string(1.5 * y + u) + "," +
           std::to_string(-0.02 * y + 0.01 * u) + "," + std::to_string(1e4 + 300.0 * y - 500 * u) +
           "," + std::to_string(u * u) + "\n";
  }
  return out;
}

class CliFloatData : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(dir_.file("train.csv"), real_csv(240, 1));
    test::write_file(dir_.file("test.csv"), real_csv(90, 2));
  }
  std::string data(const std::string& scale) const {
    return "[data]\nformat = \"csv\"\ntrain_csv = \"" + dir_.file("train.csv") +
           "\"\ntest_csv = \"" + dir_.file("test.csv") + "\"\nvalidation = 60\nclasses = 3\n" +
           (scale.empty() ? "" : "scale = \"" + scale + "\"\n");
  }
  test::RunResult train(const std::string& scale, const std::string& extra = "") {
    test::write_file(dir_.file("c.toml"), kModel + data(scale));
    return test::run_qrsweep("train --backend cpu --threads 1 --config " + dir_.file("c.toml") +
                             " " + extra);
  }
  static constexpr const char* kModel =
      "sizes = [16]\nactivation = \"tanh\"\nlearning_rate = 0.003\nmomentum = 0.5\n"
      "batch_size = 16\nmax_epochs = 4\n";
  test::TempDir dir_;
};

TEST_F(CliFloatData, TrainsOnRealValuesUnderEveryScale) {
  std::map<std::string, std::string> preprocessing;
  for (const std::string scale : {"", "none", "divide_by_255", "standardize"}) {
    auto r = train(scale, "--test --save " + dir_.file("w.safetensors"));
    ASSERT_EQ(r.status, 0) << scale << ": " << r.output;
    EXPECT_NE(r.output.find("(180 training rows, 60 validation rows)"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("test accuracy "), std::string::npos) << r.output;
    std::vector<std::pair<std::string, std::string>> meta;
    load_safetensors(dir_.file("w.safetensors"), &meta);
    std::map<std::string, std::string> m(meta.begin(), meta.end());
    preprocessing[scale] = m["preprocessing"];
    if (scale == "standardize") {
      // One mean and one standard deviation per feature; feature c's mean is near 1e4.
      const std::string& mean = m["feature_mean"];
      EXPECT_EQ(std::count(mean.begin(), mean.end(), ','), 3) << mean;
      EXPECT_EQ(std::count(m["feature_sd"].begin(), m["feature_sd"].end(), ','), 3);
      const size_t c = mean.find(',', mean.find(',') + 1) + 1;
      EXPECT_NEAR(std::stod(mean.substr(c)), 1e4 + 300, 400) << mean;
    } else {
      EXPECT_EQ(m.count("feature_mean"), 0u);
    }
  }
  EXPECT_EQ(preprocessing[""], preprocessing["none"]);  // none: the default for real values
  EXPECT_NE(preprocessing["none"].find("as given"), std::string::npos) << preprocessing["none"];
  EXPECT_NE(preprocessing["divide_by_255"].find("/ 255"), std::string::npos);
  EXPECT_NE(preprocessing["standardize"].find("feature_mean"), std::string::npos);
}

TEST_F(CliFloatData, BadValuesExitThreeAndBadScalesTwo) {
  test::write_file(dir_.file("train.csv"), real_csv(240, 1) + "1,0.5,inf,2,3\n");
  auto inf = train("");
  EXPECT_EQ(inf.status, 3) << inf.output;
  EXPECT_NE(inf.output.find(dir_.file("train.csv") + ": line 242, column 3: value 'inf' is "
                                                     "infinite"),
            std::string::npos)
      << inf.output;
  auto bad = train("zscore");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("data.scale = \"zscore\""), std::string::npos) << bad.output;
}

TEST_F(CliFloatData, AResumeUnderAnotherScaleIsRefused) {
  const std::string space =
      "trials = 2\nseed = 3\nmax_epochs = 2\npatience = 2\n[layer_size]\nlow = 8\nhigh = 16\n"
      "[batch_size]\nlow = 16\nhigh = 32\n";
  test::write_file(dir_.file("s.toml"), space + data("standardize"));
  const std::string sweep =
      "sweep --backend cpu --quiet --space " + dir_.file("s.toml") + " --out " + dir_.file("out");
  auto first = test::run_qrsweep(sweep);
  ASSERT_EQ(first.status, 0) << first.output;
  // The report's summary names the scale with the data.
  auto report = test::run_qrsweep("report " + dir_.file("out"));
  ASSERT_EQ(report.status, 0) << report.output;
  EXPECT_NE(test::read_file(dir_.file("out/report.html")).find(", scale standardize; first 60"),
            std::string::npos);
  test::write_file(dir_.file("s.toml"), space + data("none"));
  auto other = test::run_qrsweep(sweep);
  EXPECT_EQ(other.status, 2) << other.output;
  EXPECT_NE(other.output.find("data.scale"), std::string::npos) << other.output;
}

// Arrays as NumPy itself writes them (np.savez_compressed, np.save of float64, big-endian
// and Fortran-order arrays), where python3-numpy is installed (scripts/setup.sh --test).
TEST_F(CliFloatData, ReadsWhatNumPyWrites) {
  auto probe = test::run_command("/usr/bin/python3 -c 'import numpy'");
  if (probe.status != 0) GTEST_SKIP() << "python3-numpy is not installed: " << probe.output;
  test::write_file(dir_.file("make.py"),
                   "import sys, numpy as np\n"
                   "d = sys.argv[1]\n"
                   "r = np.random.default_rng(4)\n"
                   "y = r.integers(0, 3, 300)\n"
                   "x = (y[:, None, None] * 1.5 + r.normal(size=(300, 2, 3))).astype(np.float64)\n"
                   "np.savez_compressed(d + '/d.npz', x_train=x[:240], y_train=y[:240],\n"
                   "                    x_test=x[240:].astype(np.float32), y_test=y[240:])\n"
                   "np.save(d + '/x_train.npy', x[:240].astype('>f8'))\n"
                   "np.save(d + '/y_train.npy', y[:240].astype(np.uint8))\n"
                   "np.save(d + '/x_test.npy', np.asfortranarray(x[240:, 0, :]))\n"
                   "np.save(d + '/y_test.npy', y[240:])\n");
  auto made = test::run_command("/usr/bin/python3 " + dir_.file("make.py") + " " + dir_.path());
  ASSERT_EQ(made.status, 0) << made.output;
  auto run = [&](const std::string& data) {
    test::write_file(dir_.file("n.toml"),
                     std::string(kModel) + "[data]\n" + data + "validation = 60\nclasses = 3\n");
    return test::run_qrsweep("train --backend cpu --threads 1 --test --config " +
                             dir_.file("n.toml"));
  };
  auto npz = run("format = \"npz\"\nfile = \"" + dir_.file("d.npz") + "\"\n");
  ASSERT_EQ(npz.status, 0) << npz.output;
  EXPECT_NE(npz.output.find("(180 training rows, 60 validation rows)"), std::string::npos)
      << npz.output;
  EXPECT_NE(npz.output.find("(60 test rows)"), std::string::npos) << npz.output;
  // The directory's x_test is in Fortran order (and 2 features wide): refused, by name.
  auto npy = run("format = \"npy\"\ndir = \"" + dir_.path() + "\"\n");
  EXPECT_EQ(npy.status, 3) << npy.output;
  EXPECT_NE(npy.output.find(dir_.file("x_test.npy") + ": the array is in Fortran"),
            std::string::npos)
      << npy.output;
}

}  // namespace
}  // namespace qrsweep
