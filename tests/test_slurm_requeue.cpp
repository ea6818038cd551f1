// The array script run by bash without a cluster: USR1 to the shell stops qrsweep safely and
// requeues the task (stand-in scontrol); TERM to all stops it without; the rerun resumes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "qrsweep/slurm.h"
#include "qrsweep/store.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

// Trials of a few seconds each, so a signal lands while one is training.
constexpr const char* kSlowSpace =
    "trials = 4\nseed = 9\nmax_epochs = 40\npatience = 40\nclamp_layer_sizes = true\n"
    "[layer_size]\nlow = 48\nhigh = 96\n[batch_size]\nlow = 8\nhigh = 12\n";

// `bash script` in its own process group, as the batch step of array task 77_1.
class BatchShell {
 public:
  BatchShell(const std::string& script, const std::string& fake_bin, const std::string& log) {
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      setenv("SLURM_ARRAY_JOB_ID", "77", 1);
      setenv("SLURM_ARRAY_TASK_ID", "1", 1);
      setenv("SLURM_JOB_ID", "79", 1);
      setenv("PATH", (fake_bin + ":" + std::getenv("PATH")).c_str(), 1);
      execl("/bin/bash", "bash", script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    setpgid(pid_, pid_);
  }
  ~BatchShell() {
    if (!reaped_) {
      kill(-pid_, SIGKILL);
      wait();
    }
  }
  void signal_shell(int signo) { kill(pid_, signo); }
  void signal_group(int signo) { kill(-pid_, signo); }
  int wait() {
    int st = 0;
    if (!reaped_) waitpid(pid_, &st, 0);
    if (!reaped_) status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    reaped_ = true;
    return status_;
  }
  bool exited() {
    int st = 0;
    if (reaped_ || waitpid(pid_, &st, WNOHANG) != pid_) return reaped_;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    reaped_ = true;
    return true;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
};

class SlurmRequeue : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 2500, 100, 24, 4);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSlowSpace, 500, 4));
    bin_ = dir_.file("bin");
    std::filesystem::create_directories(bin_);
    test::write_file(bin_ + "/scontrol",
                     "#!/bin/sh\necho \"$@\" >> '" + dir_.file("scontrol.log") + "'\n");
    ASSERT_EQ(test::run_command("chmod +x '" + bin_ + "/scontrol'").status, 0);
    SlurmJobOptions o;
    o.qrsweep = std::filesystem::canonical(QRSWEEP_BINARY).string();
    o.space_path = dir_.file("space.toml");
    o.out_dir = dir_.file("sweep");
    o.work_dir = dir_.path();
    o.shards = 2;
    o.backend = "cpu";
    o.jobs = 1;
    o.threads = 1;
    script_ = write_slurm_scripts(o).sweep;
    store_ = shard_store_path(o.out_dir, 1, 2);
  }
  // Waits until the shard has finished a trial and trains the next one.
  void wait_mid_run(BatchShell& shell) {
    const bool mid_run = test::wait_until(
        [&] {
          return shell.exited() ||
                 (test::query_int(store_, "SELECT count(*) FROM trials WHERE status = 'done'") >=
                      1 &&
                  test::query_int(store_,
                                  "SELECT count(*) FROM epochs e JOIN trials t USING (trial) "
                                  "WHERE t.status = 'running'") >= 1);
        },
        120);
    ASSERT_TRUE(mid_run && !shell.exited()) << test::read_file(log_());
  }
  std::string log_() const { return dir_.file("task.log"); }
  std::string scontrol_calls() const {
    return std::filesystem::exists(dir_.file("scontrol.log"))
               ? test::read_file(dir_.file("scontrol.log"))
               : "";
  }
  long long count(const std::string& status) const {
    return test::query_int(store_, "SELECT count(*) FROM trials WHERE status = '" + status + "'");
  }

  test::TempDir dir_;
  std::string bin_, script_, store_;
};

TEST_F(SlurmRequeue, TheWarningBeforeTheTimeLimitStopsSafelyRequeuesAndResumes) {
  {
    BatchShell shell(script_, bin_, log_());
    wait_mid_run(shell);
    const long long done_before = count("done");
    shell.signal_shell(SIGUSR1);  // --signal=B:USR1: the batch shell alone
    EXPECT_EQ(shell.wait(), 138) << test::read_file(log_());
    EXPECT_EQ(scontrol_calls(), "requeue 77_1\n");
    EXPECT_GE(count("done"), done_before) << "finished trials are kept";
    EXPECT_EQ(count("running"), 0) << "the interrupted trial went back to the queue";
    EXPECT_GE(count("queued"), 1);
  }
  const std::string log = test::read_file(log_());
  EXPECT_NE(log.find("stopped by SIGUSR1"), std::string::npos) << log;
  EXPECT_NE(log.find("requeueing 77_1 to resume"), std::string::npos) << log;

  // The requeued task starts the script again: it resumes and finishes the shard.
  BatchShell again(script_, bin_, log_());
  EXPECT_EQ(again.wait(), 0) << test::read_file(log_());
  EXPECT_EQ(count("done"), 2);
  EXPECT_EQ(scontrol_calls(), "requeue 77_1\n") << "no second requeue";
  EXPECT_NE(test::read_file(log_()).find("kept from an earlier run"), std::string::npos);
}

TEST_F(SlurmRequeue, ATermToTheWholeJobStopsSafelyWithoutRequeueing) {
  BatchShell shell(script_, bin_, log_());
  wait_mid_run(shell);
  shell.signal_group(SIGTERM);  // scancel / preemption: Slurm signals every process
  EXPECT_EQ(shell.wait(), 143) << test::read_file(log_());
  EXPECT_EQ(scontrol_calls(), "") << "a cancelled job must stay cancelled";
  EXPECT_GE(count("done"), 1);
  EXPECT_EQ(count("running"), 0);
  EXPECT_NE(test::read_file(log_()).find("stopped by SIGTERM"), std::string::npos);
}

TEST_F(SlurmRequeue, AFinishedShardExitsZeroWithoutRequeueing) {
  BatchShell shell(script_, bin_, log_());
  EXPECT_EQ(shell.wait(), 0) << test::read_file(log_());
  EXPECT_EQ(count("done"), 2);
  EXPECT_EQ(scontrol_calls(), "");
  EXPECT_NE(test::read_file(log_()).find("qrsweep slurm: shard 1/2 as 77_1 (restart 0)"),
            std::string::npos);
}

}  // namespace
}  // namespace qrsweep
