// `qrsweep sweep` as a user sees it: a line per trial off a terminal, a live block on it,
// only the summary with --quiet, the notebook's summary, exit statuses of bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "qrsweep/backend.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

constexpr const char* kSpace =
    "trials = 5\nseed = 2\nmax_epochs = 5\npatience = 2\n"
    "[layer_size]\nlow = 4\nhigh = 16\n[batch_size]\nlow = 16\nhigh = 64\n";

class SweepCli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 500, 150, 10, 3);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSpace, 100, 3));
  }
  std::string args(const std::string& out, const std::string& extra = "") const {
    return "sweep --space '" + dir_.file("space.toml") + "' --out '" + dir_.file(out) +
           "' --backend cpu --jobs 2 --threads 1 " + extra;
  }
  static int count_lines_starting(const std::string& text, const std::string& prefix) {
    int n = 0;
    size_t p = 0;
    while (p < text.size()) {
      size_t e = text.find('\n', p);
      if (e == std::string::npos) e = text.size();
      if (text.compare(p, prefix.size(), prefix) == 0) ++n;
      p = e + 1;
    }
    return n;
  }
  test::TempDir dir_;
};

TEST_F(SweepCli, LogsOneLinePerTrialThenTheNotebooksSummary) {
  auto r = test::run_qrsweep(args("s"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(count_lines_starting(r.output, "trial "), 5) << r.output;
  EXPECT_EQ(r.output.find('\r'), std::string::npos);
  EXPECT_NE(r.output.find("qrsweep sweep: 5 trials (5 to run)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("5/5 finished"), std::string::npos) << r.output;
  for (const char* line :
       {"\nStructure : ", "\nNumber of hidden layers : ", "\nD5R : ", "\nMin val loss : ",
        "\nMax val accuracy epoch : ", "\nThe test loss was: ", "\nThe test accuracy was: "})
    EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
  // Resuming a finished sweep prints the stored summary again without training.
  auto again = test::run_qrsweep(args("s"));
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("is complete (5 trials); nothing to run"), std::string::npos)
      << again.output;
  EXPECT_EQ(count_lines_starting(again.output, "trial "), 0) << again.output;
  const std::string summary = r.output.substr(r.output.find("Structure : "));
  EXPECT_NE(again.output.find(summary), std::string::npos) << again.output;
  // The same directory with another seed is another sweep: refused, exit 2.
  auto other = test::run_qrsweep(args("s", "--seed 9"));
  EXPECT_EQ(other.status, 2) << other.output;
  EXPECT_NE(other.output.find("seed: 2 -> 9"), std::string::npos) << other.output;
}

TEST_F(SweepCli, QuietPrintsOnlyTheSummary) {
  auto r = test::run_qrsweep(args("q", "--quiet"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.rfind("Structure : ", 0), 0u) << r.output;
  EXPECT_EQ(count_lines_starting(r.output, "trial "), 0) << r.output;
  EXPECT_EQ(r.output.find("qrsweep sweep:"), std::string::npos) << r.output;
}

TEST_F(SweepCli, OnATerminalOneStatusLineIsRedrawnInPlace) {
  if (test::run_command("command -v script").status != 0)
    GTEST_SKIP() << "script(1) is not installed: no pseudo-terminal to test with";
  const std::string cmd = std::string("'") + QRSWEEP_BINARY + "' " + args("t");
  auto r = test::run_command("script -qec \"" + cmd + "\" /dev/null");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\r\033[K[sweep] "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" running, best val loss "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(", ETA "), std::string::npos) << r.output;
  // The last few finished trials stay in view above the status line, redrawn with it.
  EXPECT_NE(r.output.find("done: min val loss "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\033[A\r\033[K"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("The test accuracy was: "), std::string::npos) << r.output;
}

TEST_F(SweepCli, BadOptionsAndSpacesExitTwo) {
  auto r = test::run_qrsweep(args("b", "--jobs -1"));
  EXPECT_EQ(r.status, 2) << r.output;
  auto missing = test::run_qrsweep("sweep --space '" + dir_.file("none.toml") + "' --out '" +
                                   dir_.file("b") + "'");
  EXPECT_EQ(missing.status, 2) << missing.output;
  test::write_file(dir_.file("bad.toml"), "trials = 0\n");
  auto bad = test::run_qrsweep("sweep --space '" + dir_.file("bad.toml") + "' --out '" +
                               dir_.file("b") + "'");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("trials"), std::string::npos) << bad.output;
  // TF32 is a GPU mode: asked of the CPU backend it is refused before anything is written.
  auto tf32 = test::run_qrsweep(args("t", "--tf32"));
  EXPECT_EQ(tf32.status, 2) << tf32.output;
  EXPECT_NE(tf32.output.find("--tf32"), std::string::npos) << tf32.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("t"))) << "nothing created for a bad command";
  if (!cuda_available()) {
    auto no_gpu = test::run_qrsweep("sweep --space '" + dir_.file("space.toml") + "' --out '" +
                                    dir_.file("g") + "' --backend cuda");
    EXPECT_EQ(no_gpu.status, 1) << no_gpu.output;
    EXPECT_NE(no_gpu.output.find("--backend cuda: no usable GPU"), std::string::npos)
        << no_gpu.output;
  }
}

// Every command with --backend says what it defaults to and what auto picks.
TEST(SweepHelp, ShowsTheDefaultBackendAndWhatAutoPicks) {
  for (const char* command : {"sweep", "train", "merge"}) {
    auto r = test::run_qrsweep(std::string(command) + " --help");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("{cpu,cuda,auto}=auto"), std::string::npos) << command << r.output;
    EXPECT_NE(r.output.find("auto: cuda when a usable GPU is found, else cpu"), std::string::npos)
        << command << r.output;
  }
}

}  // namespace
}  // namespace qrsweep
