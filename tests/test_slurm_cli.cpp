// `qrsweep slurm` as a user runs it: scripts with absolute paths, the sbatch commands printed,
// --submit through a stand-in sbatch (array, then merge afterany), clear failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "test_sweep_support.h"

namespace qrsweep {
namespace {

using ::testing::HasSubstr;

constexpr const char* kSpace = "trials = 6\nseed = 2\nmax_epochs = 2\npatience = 2\n";

class SlurmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 200, 50, 6, 3);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSpace, 50, 3));
  }
  // Runs qrsweep in the temporary directory with `path_prefix` before PATH.
  test::RunResult slurm(const std::string& args, const std::string& path_prefix = "") {
    std::string env = path_prefix.empty() ? "" : "PATH='" + path_prefix + "':\"$PATH\" ";
    return test::run_command("cd '" + dir_.path() + "' && " + env + "'" + QRSWEEP_BINARY +
                             "' slurm " + args);
  }
  // A stand-in sbatch that logs its arguments and answers like `sbatch --parsable`.
  std::string fake_sbatch(const std::string& body) {
    const std::string bin = dir_.file("bin");
    std::filesystem::create_directories(bin);
    test::write_file(bin + "/sbatch",
                     "#!/bin/sh\necho \"$@\" >> '" + dir_.file("sbatch.log") + "'\n" + body);
    EXPECT_EQ(test::run_command("chmod +x '" + bin + "/sbatch'").status, 0);
    return bin;
  }
  test::TempDir dir_;
};

TEST_F(SlurmCli, WritesTheScriptsAndPrintsHowToSubmitThem) {
  auto r = slurm("--space space.toml --out runs/s1 --shards 3 --partition debug --time 01:00:00");
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string script_dir = dir_.file("runs/s1/slurm");
  EXPECT_THAT(r.output, HasSubstr("jobid=$(sbatch --parsable " + script_dir + "/sweep.sbatch)"));
  EXPECT_THAT(r.output, HasSubstr("sbatch --dependency=afterany:${jobid%%;*} " + script_dir +
                                  "/merge.sbatch"));
  const std::string sweep = test::read_file(script_dir + "/sweep.sbatch");
  // Absolute paths throughout: the executable that wrote them, the space, the sweep.
  const std::string self = std::filesystem::canonical(QRSWEEP_BINARY).string();
  EXPECT_THAT(sweep, HasSubstr(self + " sweep --space " + dir_.file("space.toml") + " --out " +
                               dir_.file("runs/s1") + " --shard \"$shard\""));
  EXPECT_THAT(sweep, HasSubstr("#SBATCH --array=0-2\n"));
  EXPECT_THAT(sweep, HasSubstr("#SBATCH --partition=debug\n"));
  EXPECT_THAT(sweep, HasSubstr("cd " + dir_.path() + " || exit 1"));
  EXPECT_THAT(test::read_file(script_dir + "/merge.sbatch"),
              HasSubstr(self + " merge " + dir_.file("runs/s1") + " --require-complete"));
}

TEST_F(SlurmCli, SubmitsTheArrayThenTheMergeAfterIt) {
  // The first call answers "id;cluster" as a federated sbatch does.
  const std::string bin =
      fake_sbatch("case \"$*\" in *merge.sbatch) echo 4242 ;; *) echo '4241;cluster1' ;; esac\n");
  auto r = slurm("--space space.toml --out s2 --shards 2 --submit", bin);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("submitted array job 4241 (2 tasks) and merge job 4242"));
  const std::string log = test::read_file(dir_.file("sbatch.log"));
  EXPECT_EQ(log, "--parsable " + dir_.file("s2/slurm/sweep.sbatch") + "\n" +
                     "--parsable --dependency=afterany:4241 " + dir_.file("s2/slurm/merge.sbatch") +
                     "\n");
}

TEST_F(SlurmCli, ARefusedSubmissionReportsSbatchsOwnWords) {
  const std::string bin =
      fake_sbatch("echo 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n");
  auto r = slurm("--space space.toml --out s3 --shards 2 --partition nope --submit", bin);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("sbatch refused the array job"));
  EXPECT_THAT(r.output, HasSubstr("invalid partition specified: nope"));
}

TEST_F(SlurmCli, AFailedMergeSubmissionNamesTheArrayAlreadySubmitted) {
  const std::string bin = fake_sbatch(
      "case \"$*\" in *merge.sbatch) echo 'sbatch: error: dependency' >&2; exit 1 ;; "
      "*) echo 77 ;; esac\n");
  auto r = slurm("--space space.toml --out s4 --shards 2 --submit", bin);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("the shards were submitted as array job 77"));
  EXPECT_THAT(r.output,
              HasSubstr("sbatch --dependency=afterany:77 " + dir_.file("s4/slurm/merge.sbatch")));
}

TEST_F(SlurmCli, WithoutSbatchSubmitSaysWhere) {
  auto r = test::run_command("cd '" + dir_.path() + "' && PATH=/nonexistent '" + QRSWEEP_BINARY +
                             "' slurm --space space.toml --out s5 --shards 2 --submit");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cannot run sbatch"));
  EXPECT_TRUE(std::filesystem::exists(dir_.file("s5/slurm/sweep.sbatch")));
}

TEST_F(SlurmCli, BadInputFailsBeforeAnythingIsWritten) {
  auto more = slurm("--space space.toml --out s6 --shards 7");
  EXPECT_EQ(more.status, 2) << more.output;
  EXPECT_THAT(more.output, HasSubstr("--shards 7 is more than the sweep's 6 trials"));
  test::write_file(dir_.file("bad.toml"), "trials = 0\n");
  auto bad = slurm("--space bad.toml --out s7 --shards 2");
  EXPECT_EQ(bad.status, 2) << bad.output;
  auto blank = slurm("--space space.toml --out 'my sweep' --shards 2");
  EXPECT_EQ(blank.status, 2) << blank.output;
  for (const char* d : {"s6", "s7", "my sweep"})
    EXPECT_FALSE(std::filesystem::exists(dir_.file(d))) << d;
}

TEST_F(SlurmCli, ADirectoryHoldingAnotherSweepIsRefusedBeforeAnyJob) {
  auto shard = test::run_qrsweep("sweep --space '" + dir_.file("space.toml") + "' --out '" +
                                 dir_.file("s8") + "' --shard 1/2 --backend cpu --quiet");
  ASSERT_EQ(shard.status, 0) << shard.output;
  auto other = slurm("--space space.toml --out s8 --shards 2 --seed 5");
  EXPECT_EQ(other.status, 2) << other.output;
  EXPECT_THAT(other.output, HasSubstr("shard-1-of-2.sqlite holds another sweep"));
  EXPECT_THAT(other.output, HasSubstr("seed: 2 -> 5"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("s8/slurm")));
  auto same = slurm("--space space.toml --out s8 --shards 2");
  EXPECT_EQ(same.status, 0) << same.output;
}

}  // namespace
}  // namespace qrsweep
