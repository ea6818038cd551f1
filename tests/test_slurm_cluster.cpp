// Sharded sweeps on a real one-node Slurm (tests/slurm/run_slurm_test.sh), one with tasks
// signalled and requeued mid-run, compared value for value with single-process runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "test_sweep_support.h"

namespace qrsweep {
namespace {

// The two sweeps: (a) quick, (b) slow enough per trial to be interrupted mid-run.
constexpr const char* kTinySpace =
    "trials = 8\nseed = 3\nmax_epochs = 3\npatience = 2\n"
    "[layer_size]\nlow = 4\nhigh = 16\n[batch_size]\nlow = 16\nhigh = 64\n";
constexpr const char* kSlowSpace =
    "trials = 8\nseed = 5\nmax_epochs = 40\npatience = 40\nclamp_layer_sizes = true\n"
    "[layer_size]\nlow = 48\nhigh = 96\n[batch_size]\nlow = 8\nhigh = 12\n";

std::map<std::string, std::string> read_facts(const std::string& path) {
  std::map<std::string, std::string> facts;
  std::istringstream in(test::read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) facts[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return facts;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  const size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Every table of the merged store equals the single-process run's, wall clock aside.
void expect_same_results(const std::string& reference, const std::string& merged) {
  const auto& skip = test::wall_clock_columns();
  EXPECT_EQ(test::dump_table(merged, "trials", "trial", skip),
            test::dump_table(reference, "trials", "trial", skip));
  EXPECT_EQ(test::dump_table(merged, "epochs", "trial, epoch", skip),
            test::dump_table(reference, "epochs", "trial, epoch", skip));
  const auto best = test::dump_table(merged, "best", "id", skip);
  EXPECT_EQ(best.size(), 1u) << "the merge job tested the best trial";
  EXPECT_EQ(best, test::dump_table(reference, "best", "id", skip));
}

TEST(SlurmCluster, ShardedSweepsOnSlurmEqualOneProcessEvenWhenInterrupted) {
  test::TempDir dir;
  test::write_noisy_csv(dir, 2500, 200, 24, 4);
  test::write_file(dir.file("tiny.toml"), test::tiny_space(dir, kTinySpace, 500, 4));
  test::write_file(dir.file("slow.toml"), test::tiny_space(dir, kSlowSpace, 500, 4));
  const std::string script = std::string(QRSWEEP_SOURCE_DIR) + "/tests/slurm/run_slurm_test.sh";
  // timeout(1) TERMs the script, whose EXIT trap still stops every daemon, well before
  // CTest would kill this test and leave the daemons behind.
  auto run = test::run_command("timeout --kill-after=30 420 bash '" + script + "' '" +
                               QRSWEEP_BINARY + "' '" + dir.path() + "'");
  if (run.status == 77) GTEST_SKIP() << last_line(run.output);
  ASSERT_EQ(run.status, 0) << run.output;
  std::printf("%s", run.output.c_str());
  auto facts = read_facts(dir.file("facts.txt"));

  // The same sweeps in one process each, after the cluster is gone.
  for (const char* name : {"tiny", "slow"}) {
    auto r = test::run_qrsweep(std::string("sweep --space '") + dir.file(name) + ".toml' --out '" +
                               dir.file(std::string("ref-") + name) +
                               "' --backend cpu --jobs 2 --threads 1 --quiet");
    ASSERT_EQ(r.status, 0) << r.output;
  }

  // (a) every task and the merge completed; the merged store is the single run's.
  EXPECT_EQ(facts["a_merge_state"], "COMPLETED") << run.output;
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(facts["a_task" + std::to_string(t) + "_state"], "COMPLETED") << t;
  expect_same_results(dir.file("ref-tiny/store.sqlite"), dir.file("a/store.sqlite"));
  const std::string csv = test::read_file(dir.file("a/all_trials.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 9) << csv;

  // (b) both interrupted tasks ran again and kept the trials they had finished.
  EXPECT_EQ(facts["b_merge_state"], "COMPLETED") << run.output;
  const std::string logs = dir.file("b/slurm/sweep-" + facts["b_array"]);
  for (int t = 0; t < 2; ++t) {
    const std::string ts = std::to_string(t);
    EXPECT_EQ(facts["b_task" + ts + "_state"], "COMPLETED");
    EXPECT_GE(std::stoi("0" + facts["b_task" + ts + "_restarts"]), 1) << "task " << t;
    const std::string log = test::read_file(logs + "_" + ts + ".out");
    EXPECT_NE(log.find("(restart 1)"), std::string::npos) << log;
    EXPECT_NE(log.find("kept from an earlier run"), std::string::npos) << log;
  }
  // The USR1 path: qrsweep stopped at a safe point and the batch script requeued itself.
  const std::string log0 = test::read_file(logs + "_0.out");
  EXPECT_NE(log0.find("stopped by SIGUSR1"), std::string::npos) << log0;
  EXPECT_NE(log0.find("requeueing " + facts["b_array"] + "_0"), std::string::npos) << log0;
  expect_same_results(dir.file("ref-slow/store.sqlite"), dir.file("b/store.sqlite"));
}

}  // namespace
}  // namespace qrsweep
