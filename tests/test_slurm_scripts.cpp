// The sbatch scripts as text: array, requeue, early USR1, append-mode logs, resources only when
// asked, every #SBATCH line before the first command, valid bash, safe shell quoting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>

#include "qrsweep/common.h"
#include "qrsweep/slurm.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SlurmJobOptions options() {
  SlurmJobOptions o;
  o.qrsweep = "/opt/qrsweep/bin/qrsweep";
  o.space_path = "/home/u/spaces/my space.toml";
  o.out_dir = "/scratch/u/sweep-1";
  o.work_dir = "/home/u";
  o.shards = 4;
  return o;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// The #SBATCH lines as sbatch reads them: it stops at the first line that is neither a
// comment nor blank, so a directive after a command would be silently ignored.
std::vector<std::string> directives(const std::string& script) {
  std::vector<std::string> out;
  for (const std::string& line : lines_of(script)) {
    if (line.rfind("#SBATCH ", 0) == 0)
      out.push_back(line.substr(8));
    else if (!line.empty() && line[0] != '#')
      break;
  }
  return out;
}

std::vector<std::string> all_directives(const std::string& script) {
  std::vector<std::string> out;
  for (const std::string& line : lines_of(script))
    if (line.rfind("#SBATCH", 0) == 0) out.push_back(line.substr(8));
  return out;
}

std::string error_of(const SlurmJobOptions& o) {
  try {
    sweep_sbatch(o);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SlurmScripts, TheSweepIsAnArrayOfShardsThatRequeuesAndIsWarnedBeforeItsTimeLimit) {
  const std::string s = sweep_sbatch(options());
  EXPECT_EQ(s.rfind("#!/bin/bash\n", 0), 0u);
  const auto d = directives(s);
  EXPECT_EQ(d, all_directives(s)) << "every #SBATCH line must precede the first command";
  EXPECT_THAT(
      d, ::testing::IsSupersetOf(
             {"--array=0-3", "--requeue", "--signal=B:USR1@120", "--open-mode=append", "--ntasks=1",
              "--output=/scratch/u/sweep-1/slurm/sweep-%A_%a.out", "--job-name=qrsweep-sweep-1"}));
  EXPECT_THAT(s, HasSubstr("shard=\"${SLURM_ARRAY_TASK_ID:?"));
  EXPECT_THAT(s, HasSubstr("}/4\"\n"));
  EXPECT_THAT(s, HasSubstr("/opt/qrsweep/bin/qrsweep sweep --space '/home/u/spaces/my "
                           "space.toml' --out /scratch/u/sweep-1 --shard \"$shard\" &\n"));
  EXPECT_THAT(s, HasSubstr("cd /home/u || exit 1\n"));
  // USR1 is passed on; TERM is not (Slurm sends it to every process itself).
  EXPECT_THAT(s, HasSubstr("trap 'stop=USR1; [ -n \"$pid\" ] && kill -USR1 \"$pid\""));
  EXPECT_THAT(s, HasSubstr("trap 'stop=TERM' TERM"));
  EXPECT_THAT(s, HasSubstr("if [ \"$rc\" -eq 138 ] && [ \"$stop\" = USR1 ]; then"));
  EXPECT_THAT(s, HasSubstr("task=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\""));
  EXPECT_THAT(s, HasSubstr("scontrol requeue \"$task\"\n"));
  // Nothing the user did not ask for.
  for (const char* absent : {"--partition", "--time", "--account", "--gpus", "--cpus-per-task",
                             "--backend", "--jobs", "--threads", "--trials", "--seed", "--data"})
    EXPECT_THAT(s, Not(HasSubstr(absent)));
}

TEST(SlurmScripts, ResourcesAndPassedOptionsAppearWhenGiven) {
  SlurmJobOptions o = options();
  o.partition = "gpu";
  o.time = "1-02:00:00";
  o.account = "proj42";
  o.gpus_per_task = 1;
  o.cpus_per_task = 8;
  o.signal_seconds = 600;
  o.extra = {"--qos high --mem=32G", "--constraint=h100"};
  o.backend = "cuda";
  o.tf32 = true;
  o.jobs = 1;
  o.threads = 2;
  o.trials = 50;
  o.seed = 7;
  o.data_dir = "/data/fashion mnist";
  for (const std::string& s : {sweep_sbatch(o), merge_sbatch(o)}) {
    const auto d = directives(s);
    EXPECT_EQ(d, all_directives(s));
    EXPECT_THAT(
        d, ::testing::IsSupersetOf({"--partition=gpu", "--time=1-02:00:00", "--account=proj42",
                                    "--gpus-per-task=1", "--cpus-per-task=8", "--signal=B:USR1@600",
                                    "--qos high", "--mem=32G", "--constraint=h100"}));
  }
  const std::string sweep = sweep_sbatch(o);
  EXPECT_THAT(sweep, HasSubstr("--shard \"$shard\" --backend cuda --tf32 --jobs 1 --threads 2 "
                               "--trials 50 --seed 7 --data '/data/fashion mnist' &\n"));
  EXPECT_THAT(merge_sbatch(o), HasSubstr("--backend cuda --tf32 --threads 2"));
}

TEST(SlurmScripts, TheCudaModesReachEveryShardAndTheMerge) {
  SlurmJobOptions o = options();
  o.backend = "cuda";
  o.cuda.cublas = true;
  o.cuda.sync_each_op = true;
  o.cuda.graphs = false;
  const std::string modes = " --backend cuda --cuda-gemm cublas --cuda-sync --no-cuda-graphs";
  EXPECT_THAT(sweep_sbatch(o), HasSubstr(modes + " "));
  EXPECT_THAT(merge_sbatch(o), HasSubstr(modes));
  o.cuda = CudaModes{};
  EXPECT_THAT(sweep_sbatch(o), Not(HasSubstr("--cuda-")));
}

TEST(SlurmScripts, TheMergeRunsOnceAndRequeuesItselfByItsOwnJobId) {
  const std::string s = merge_sbatch(options());
  const auto d = directives(s);
  EXPECT_EQ(d, all_directives(s));
  EXPECT_THAT(d, ::testing::IsSupersetOf({"--requeue", "--signal=B:USR1@120", "--open-mode=append",
                                          "--job-name=qrsweep-merge-sweep-1",
                                          "--output=/scratch/u/sweep-1/slurm/merge-%j.out"}));
  for (const std::string& line : d) EXPECT_THAT(line, Not(HasSubstr("--array")));
  EXPECT_THAT(s, HasSubstr("/opt/qrsweep/bin/qrsweep merge /scratch/u/sweep-1 "
                           "--require-complete &\n"));
  EXPECT_THAT(s, HasSubstr("scontrol requeue \"$SLURM_JOB_ID\"\n"));
}

TEST(SlurmScripts, BothScriptsAreValidBash) {
  SlurmJobOptions o = options();
  o.extra = {"--mem 4G"};
  test::TempDir dir;
  for (const auto& [name, text] :
       {std::pair{"sweep", sweep_sbatch(o)}, std::pair{"merge", merge_sbatch(o)}}) {
    const std::string path = dir.file(std::string(name) + ".sbatch");
    test::write_file(path, text);
    auto r = test::run_command("bash -n '" + path + "'");
    EXPECT_EQ(r.status, 0) << name << ": " << r.output;
  }
}

// --setup: each line runs in the job's own shell (an exported variable reaches qrsweep),
// in order, before qrsweep; the first that fails ends the job with its status.
TEST(SlurmScripts, SetupLinesRunInTheJobShellBeforeQrsweep) {
  test::TempDir dir;
  const std::string fake = dir.file("fake-qrsweep");
  test::write_file(fake, "#!/bin/sh\necho \"qrsweep ran with QRS_SETUP=$QRS_SETUP\"\n");
  ASSERT_EQ(::chmod(fake.c_str(), 0755), 0);
  SlurmJobOptions o = options();
  o.qrsweep = fake;
  o.work_dir = dir.path();
  o.setup = {"export QRS_SETUP=ok", "echo second setup line; echo its second command"};
  const std::string env = "SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_JOB_ID=1 SLURM_JOB_ID=2 ";
  for (const auto& [name, text] :
       {std::pair{"sweep", sweep_sbatch(o)}, std::pair{"merge", merge_sbatch(o)}}) {
    const std::string path = dir.file(std::string(name) + ".sbatch");
    test::write_file(path, text);
    auto r = test::run_command(env + "bash '" + path + "'");
    EXPECT_EQ(r.status, 0) << name << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("second setup line\nits second command\n"
                                    "qrsweep ran with QRS_SETUP=ok\n"))
        << name;
  }
  o.setup = {"export QRS_SETUP=ok", "(exit 7)", "echo never"};
  const std::string path = dir.file("failing.sbatch");
  test::write_file(path, sweep_sbatch(o));
  auto r = test::run_command(env + "bash '" + path + "'");
  EXPECT_EQ(r.status, 7) << r.output;
  EXPECT_THAT(r.output, HasSubstr("setup failed with status 7: (exit 7)\n"));
  EXPECT_THAT(r.output, Not(HasSubstr("never")));
  EXPECT_THAT(r.output, Not(HasSubstr("qrsweep ran")));
}

TEST(SlurmScripts, OptionsThatWouldBreakAScriptAreRefusedByName) {
  SlurmJobOptions o = options();
  o.out_dir = "relative/dir";
  EXPECT_THAT(error_of(o), HasSubstr("--out must be an absolute path"));
  o = options();
  o.out_dir = "/scratch/my sweep";
  EXPECT_THAT(error_of(o), HasSubstr("#SBATCH lines cannot hold blanks"));
  o = options();
  o.out_dir = "/scratch/100%";
  EXPECT_THAT(error_of(o), HasSubstr("--out /scratch/100%"));
  o = options();
  o.shards = 0;
  EXPECT_THAT(error_of(o), HasSubstr("--shards must be >= 1"));
  o = options();
  o.extra = {"qos=high"};
  EXPECT_THAT(error_of(o), HasSubstr("'qos=high' is not an sbatch option"));
  o = options();
  o.extra = {"--comment='a b'"};
  EXPECT_THAT(error_of(o), HasSubstr("quotes"));
  o = options();
  o.setup = {"module load cuda\nrm -rf /"};
  EXPECT_THAT(error_of(o), HasSubstr("--setup"));
  o = options();
  o.setup = {"  "};
  EXPECT_THAT(error_of(o), HasSubstr("one non-empty shell line"));
  o = options();
  o.partition = "a b";
  EXPECT_THAT(error_of(o), HasSubstr("--partition 'a b'"));
  o = options();
  o.signal_seconds = 0;
  EXPECT_THAT(error_of(o), HasSubstr("--signal-seconds"));
  o = options();
  o.backend = "cpu";
  o.tf32 = true;
  EXPECT_THAT(error_of(o), HasSubstr("--tf32: TF32 is a GPU mode"));
}

TEST(SlurmScripts, ShellQuotingRoundTripsThroughBash) {
  EXPECT_EQ(shell_quote("/plain/path-1.toml"), "/plain/path-1.toml");
  for (const std::string s :
       {"a b", "it's", "$HOME", "`id`", "x\"y", "", "tab\there", "a\\b", "new\nline", "*?[", "'"}) {
    test::TempDir dir;
    const std::string script = dir.file("q.sh");
    test::write_file(script, "printf '%s' " + shell_quote(s) + "\n");
    auto r = test::run_command("bash '" + script + "'");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output, s) << shell_quote(s);
  }
}

TEST(SlurmScripts, WritesBothExecutableScriptsUnderTheSweepDirectory) {
  test::TempDir dir;
  SlurmJobOptions o = options();
  o.out_dir = dir.file("sweep");
  const SlurmScripts s = write_slurm_scripts(o);
  EXPECT_EQ(s.sweep, dir.file("sweep/slurm/sweep.sbatch"));
  EXPECT_EQ(s.merge, dir.file("sweep/slurm/merge.sbatch"));
  EXPECT_EQ(test::read_file(s.sweep), sweep_sbatch(o));
  EXPECT_EQ(test::read_file(s.merge), merge_sbatch(o));
  EXPECT_EQ(test::run_command("test -x '" + s.sweep + "' && test -x '" + s.merge + "'").status, 0);
  const auto cmds = submit_commands(s);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], "jobid=$(sbatch --parsable " + s.sweep + ")");
  EXPECT_EQ(cmds[1], "sbatch --dependency=afterany:${jobid%%;*} " + s.merge);
}

}  // namespace
}  // namespace qrsweep
