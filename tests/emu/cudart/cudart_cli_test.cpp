// `qrsweep sweep --backend cuda` end to end on the emulated device: the production CLI's
// objects linked against the emulated runtime (qrsweep_emulated) run a small sweep (store,
// selection, retraining, test, export) that matches the same sweep on the CPU backend; with
// an illegal address injected the sweep stops, keeps what it stored, and a resume finishes it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "test_sweep_support.h"

namespace qrsweep {
namespace {

constexpr const char* kSpace =
    "trials = 6\nseed = 3\nmax_epochs = 4\npatience = 2\n"
    "[layer_size]\nlow = 4\nhigh = 16\n[batch_size]\nlow = 8\nhigh = 64\n";

std::vector<double> numbers(const std::string& csv) {
  std::vector<double> v;
  std::stringstream s(csv);
  std::string x;
  while (std::getline(s, x, ',')) v.push_back(std::stod(x));
  return v;
}

class EmuCli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 300, 100, 10, 3);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSpace, 80, 3));
  }
  test::RunResult sweep(const char* binary, const std::string& out, const std::string& backend,
                        const std::string& env = "") {
    return test::run_command(env + " '" + std::string(binary) + "' sweep --space '" +
                             dir_.file("space.toml") + "' --out '" + dir_.file(out) +
                             "' --backend " + backend + " --jobs 1 --threads 1 --quiet");
  }
  std::string store(const std::string& out) const { return dir_.file(out) + "/store.sqlite"; }
  std::string text(const std::string& out, const std::string& sql) const {
    return test::query_text(store(out), sql);
  }
  // Every stored epoch's `column`, in (trial, epoch) order.
  std::vector<double> epochs(const std::string& out, const std::string& column) const {
    return numbers(text(out, "SELECT group_concat(" + column +
                                 ", ',') FROM (SELECT * FROM epochs ORDER BY trial, epoch)"));
  }
  std::string statuses(const std::string& out) const {
    return text(out,
                "SELECT group_concat(trial || ':' || status, ' ') FROM "
                "(SELECT * FROM trials ORDER BY trial)");
  }
  test::TempDir dir_;
};

void expect_close(const std::vector<double>& a, const std::vector<double>& b, double rel,
                  const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], rel * std::abs(b[i]) + 1e-7) << what << " row " << i;
}

TEST_F(EmuCli, ASweepOnTheEmulatedDeviceMatchesTheCpuBackend) {
  const auto gpu = sweep(QRSWEEP_BINARY, "gpu", "cuda");
  ASSERT_EQ(gpu.status, 0) << gpu.output;
  const auto cpu = sweep(QRSWEEP_CPU_BINARY, "cpu", "cpu");
  ASSERT_EQ(cpu.status, 0) << cpu.output;
  EXPECT_EQ(text("gpu", "SELECT backend FROM sweep"), "cuda");
  EXPECT_EQ(text("gpu", "SELECT device FROM sweep"), "emulated device (sm_80, own kernels, FP32)");
  EXPECT_EQ(statuses("gpu"), statuses("cpu"));
  for (const char* column : {"loss", "accuracy", "val_loss", "val_accuracy"})
    expect_close(epochs("gpu", column), epochs("cpu", column), 1e-4, column);
  EXPECT_EQ(text("gpu", "SELECT trial FROM best"), text("cpu", "SELECT trial FROM best"));
  expect_close(numbers(text("gpu", "SELECT test_loss || ',' || test_accuracy FROM best")),
               numbers(text("cpu", "SELECT test_loss || ',' || test_accuracy FROM best")), 1e-4,
               "the best trial's test");
  for (const char* out : {"gpu", "cpu"}) {
    const auto e =
        test::run_command(std::string("'") + QRSWEEP_BINARY + "' export '" + dir_.file(out) + "'");
    ASSERT_EQ(e.status, 0) << e.output;
  }
  EXPECT_EQ(test::read_file(dir_.file("gpu") + "/all_trials.csv").substr(0, 200).find("Seconds"),
            test::read_file(dir_.file("cpu") + "/all_trials.csv").substr(0, 200).find("Seconds"));
}

// Successive halving on --backend cuda: the packed scheduler trains the pieces the decisions
// allow, two resident at a time, pausing trials at rungs (their state read back from the
// device) and refilling their room; the same decisions as the CPU backend's halving sweep,
// the losses within 1e-4.
TEST_F(EmuCli, AHalvingSweepOnTheEmulatedDeviceDecidesAsTheCpuBackend) {
  test::write_file(dir_.file("space.toml"),
                   test::tiny_space(dir_,
                                    std::string(kSpace) + "[schedule]\nkind = \"halving\"\n"
                                                          "min_epochs = 1\neta = 2\ncohort = 6\n",
                                    80, 3));
  const auto gpu = test::run_command("'" + std::string(QRSWEEP_BINARY) + "' sweep --space '" +
                                     dir_.file("space.toml") + "' --out '" + dir_.file("gpu") +
                                     "' --backend cuda --max-resident 2");
  ASSERT_EQ(gpu.status, 0) << gpu.output;
  EXPECT_NE(gpu.output.find("packed (at most 2 at a time)"), std::string::npos) << gpu.output;
  EXPECT_NE(gpu.output.find("at most 2 trials resident"), std::string::npos) << gpu.output;
  const auto cpu = sweep(QRSWEEP_CPU_BINARY, "cpu", "cpu");
  ASSERT_EQ(cpu.status, 0) << cpu.output;
  const std::string reasons =
      "SELECT group_concat(trial || ':' || status || ':' || stop_reason, ' ') FROM "
      "(SELECT * FROM trials ORDER BY trial)";
  EXPECT_EQ(text("gpu", reasons), text("cpu", reasons));
  EXPECT_NE(text("gpu", reasons).find("halved at rung"), std::string::npos);
  for (const char* column : {"loss", "val_loss", "val_accuracy"})
    expect_close(epochs("gpu", column), epochs("cpu", column), 1e-4, column);
  EXPECT_EQ(text("gpu", "SELECT trial FROM best"), text("cpu", "SELECT trial FROM best"));
}

// kill -9 while the packed scheduler holds pieces and paused trials are on disk, twice, then
// a resume (which continues paused trials from their files: tests/test_halving_sweep.cpp checks
// where they pick up) ends with the table and epochs of an uninterrupted run.
TEST_F(EmuCli, KillNineDuringAPackedHalvingSweepThenAResumeContinuesPausedTrials) {
  test::write_noisy_csv(dir_, 900, 200, 10, 3);
  test::write_file(dir_.file("space.toml"),
                   test::tiny_space(dir_,
                                    "trials = 24\nseed = 5\nmax_epochs = 9\npatience = 3\n"
                                    "[layer_size]\nlow = 8\nhigh = 24\n"
                                    "[batch_size]\nlow = 16\nhigh = 64\n"
                                    "[schedule]\nkind = \"halving\"\ncohort = 6\n",
                                    200, 3));
  const auto straight = sweep(QRSWEEP_BINARY, "straight", "cuda --max-resident 3");
  ASSERT_EQ(straight.status, 0) << straight.output;
  const std::string out = dir_.file("killed");
  const std::vector<std::string> args = {"sweep", "--space", dir_.file("space.toml"), "--out", out,
                                         "--backend", "cuda", "--max-resident", "3", "--quiet"};
  ASSERT_TRUE(test::kill_nine_while_paused(args, out, dir_.file("log"), 2, QRSWEEP_BINARY));
  ASSERT_GT(test::paused_files(out), 0);  // the resume has paused trials to continue
  const std::string epochs_of =
      "SELECT group_concat(trial || ':' || epoch || ':' || loss || ':' || val_loss, ' ') FROM "
      "(SELECT * FROM epochs ORDER BY trial, epoch)";
  const std::string rows =
      "SELECT group_concat(trial || ':' || status || ':' || stop_reason || ':' || epochs_run, "
      "' ') FROM (SELECT * FROM trials ORDER BY trial)";
  // The paused trials the resume continues: those with a file that have not ended (a file
  // whose trial's end was committed just before a kill is removed instead).
  int continuing = 0;
  for (const auto& f : std::filesystem::directory_iterator(out + "/paused")) {
    const std::string name = f.path().filename().string();
    if (f.path().extension() != ".bin") continue;
    const std::string status =
        text("killed", "SELECT status FROM trials WHERE trial = " + name.substr(6, name.size() - 10));
    continuing += status == "queued" || status == "running";
  }
  const auto resumed = test::run_command("'" + std::string(QRSWEEP_BINARY) + "' sweep --space '" +
                                         dir_.file("space.toml") + "' --out '" + out +
                                         "' --backend cuda --max-resident 3");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  // The first line tells the paused trials (continued) from the interrupted ones (restarted).
  if (continuing > 0) {
    EXPECT_NE(resumed.output.find(", " + std::to_string(continuing) + " paused ones continued"),
              std::string::npos)
        << resumed.output;
  }
  EXPECT_EQ(text("killed", rows), text("straight", rows));
  EXPECT_EQ(text("killed", epochs_of), text("straight", epochs_of));
  EXPECT_TRUE(std::filesystem::is_empty(out + "/paused"));
}

// Two trials resident at a time; the illegal address (sticky: the device is lost) hits
// halfway through the kernels a clean run launches. The sweep stops (exit 1) with the
// resident trials failed, the finished ones stored and the rest queued; a resume trains the
// rest and keeps every stored row as it was.
TEST_F(EmuCli, AnIllegalAddressStopsTheSweepAndAResumeFinishesItWithNothingLost) {
  const std::string counts = dir_.file("counts");
  const auto clean = sweep(QRSWEEP_BINARY, "clean", "cuda --max-resident 2",
                           "QRSWEEP_EMU_COUNTS='" + counts + "'");
  ASSERT_EQ(clean.status, 0) << clean.output;
  std::istringstream c(test::read_file(counts));
  long long launches = 0, kernels = 0;
  c >> launches >> kernels;
  ASSERT_GT(kernels, 100);
  // The first point (in tenths of the clean run's kernels) that stops the sweep with trials
  // both finished and queued; where that is depends on the trials' lengths.
  std::string before, out;
  for (int tenth = 4; tenth <= 8 && (before.find(":done") == std::string::npos ||
                                     before.find(":queued") == std::string::npos);
       ++tenth) {
    out = "s" + std::to_string(tenth);
    const auto lost = sweep(QRSWEEP_BINARY, out, "cuda --max-resident 2",
                            "QRSWEEP_EMU_FAULT=kernel:" + std::to_string(kernels * tenth / 10));
    EXPECT_EQ(lost.status, 1) << lost.output;
    EXPECT_NE(lost.output.find("cudaErrorIllegalAddress"), std::string::npos) << lost.output;
    before = statuses(out);
  }
  ASSERT_NE(before.find(":done"), std::string::npos) << before;
  ASSERT_NE(before.find(":queued"), std::string::npos) << before;
  const std::string kept = text(out,
                                "SELECT group_concat(trial || ':' || epoch || ':' || "
                                "val_loss, ' ') FROM (SELECT * FROM epochs WHERE trial IN "
                                "(SELECT trial FROM trials WHERE status = 'done') "
                                "ORDER BY trial, epoch)");
  const auto resumed = sweep(QRSWEEP_BINARY, out, "cuda --max-resident 2");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const std::string after = statuses(out);
  std::istringstream b(before);
  std::string t;
  while (b >> t) {
    if (t.find(":done") != std::string::npos) {
      EXPECT_NE(after.find(t), std::string::npos) << t << " lost: " << after;
    }
  }
  EXPECT_EQ(after.find("queued"), std::string::npos) << after;
  EXPECT_EQ(after.find("running"), std::string::npos) << after;
  const std::string now = text(out,
                               "SELECT group_concat(trial || ':' || epoch || ':' || "
                               "val_loss, ' ') FROM (SELECT * FROM epochs ORDER BY trial, "
                               "epoch)");
  std::istringstream k(kept);
  while (k >> t) EXPECT_NE(now.find(t), std::string::npos) << "stored epoch changed: " << t;
  EXPECT_NE(text(out, "SELECT test_loss FROM best"), "");
}

}  // namespace
}  // namespace qrsweep
