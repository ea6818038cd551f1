// The sweep's store on a slow file system (the test VFS "slow" sleeps in every xSync, as a
// cluster file system takes 5-50 ms per fsync): commits are grouped, so their count follows
// the commit interval rather than the epochs; a trial is reported finished only once its row
// is committed (the CPU pool and the packed path alike); and kill -9 at random moments,
// then a resume, still gives the uninterrupted run's tables. docs/sweep.md, "Durability".
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "device/device_backend.h"
#include "device/executor.h"
#include "qrsweep/backend.h"
#include "qrsweep/sampler.h"
#include "qrsweep/store.h"
#include "qrsweep/sweep.h"
#include "support/slow_vfs.h"
#include "sweep/progress.h"
#include "sweep/trial_pool.h"
#include "test_sweep_support.h"

namespace qrsweep::test {
namespace {

using std::chrono::milliseconds;

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

// A sweep of many tiny trials whose store goes through the slow VFS (`sync_ms` per xSync).
struct SlowStore {
  TempDir dir;
  SearchSpace space;
  std::vector<TrialConfig> plan;
  DataSplits data;
  ScopedEnv vfs{"QRSWEEP_SQLITE_VFS", kSlowVfs};
  std::unique_ptr<Store> store;

  SlowStore(int trials, int sync_ms) {
    register_slow_vfs();
    set_slow_vfs_delay(milliseconds(sync_ms));
    space.trials = trials;
    space.seed = 5;
    space.layer_size = Range{4, 12, Scale::kLinear};
    space.batch_size = Range{20, 60, Scale::kLinear};
    space.learning_rate = Range{0.005, 0.02, Scale::kLinear};
    space.max_epochs = 3;
    space.patience = 2;
    plan = make_plan_rows(space, 0, 1);
    data.train = synthetic_dataset(150, 10, 3, 5u);
    data.validation = 40;
    store = open_sweep_store(dir.file("store.sqlite"), space, Shard{}, plan);
  }
  ~SlowStore() { set_slow_vfs_delay(milliseconds(20)); }

  sweep_detail::PoolResult run(Backend& backend, bool packed, sweep_detail::Progress& progress,
                               sweep_detail::CommitPolicy policy = {}) {
    sweep_detail::PoolContext ctx;
    ctx.store = store.get();
    ctx.backend = &backend;
    ctx.fit = data.fit();
    ctx.val = data.val();
    ctx.jobs = 2;
    ctx.progress = &progress;
    ctx.commits = policy;
    return packed ? sweep_detail::run_packed_trials(plan, ctx)
                  : sweep_detail::run_trials(plan, ctx);
  }
};

std::unique_ptr<Backend> cpu_backend() {
  BackendOptions bo;
  bo.threads = 1;
  return make_backend("cpu", bo);
}

TEST(StoreCommits, SyncsFollowTheCommitIntervalNotTheEpochs) {
  SlowStore s(30, 20);
  auto backend = cpu_backend();
  sweep_detail::Progress quiet(sweep_detail::Progress::Mode::kQuiet, stderr, 30, 0, 0.0);
  const sweep_detail::CommitPolicy policy;  // the sweep's: 200 ms
  const int64_t before = slow_vfs_syncs();
  const auto t0 = std::chrono::steady_clock::now();
  sweep_detail::PoolResult r = s.run(*backend, false, quiet, policy);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int64_t syncs = slow_vfs_syncs() - before;
  ASSERT_FALSE(r.fatal);
  ASSERT_EQ(r.finished, 30);
  const long long rows = query_int(s.dir.file("store.sqlite"), "SELECT count(*) FROM epochs");
  std::fprintf(stderr, "%d trials, %lld epoch rows: %lld syncs in %.2f s (%.2f per trial)\n",
               r.finished, rows, static_cast<long long>(syncs), seconds,
               static_cast<double>(syncs) / r.finished);
  // At most one commit per interval, one more for the final drain, each one or two syncs
  // (the WAL, and its header when the WAL restarts). One transaction per row would need
  // `rows` syncs of 20 ms each, far more than one per 200 ms.
  const double interval = std::chrono::duration<double>(policy.interval).count();
  EXPECT_GE(syncs, 1) << "the store did not go through the slow VFS";
  EXPECT_LE(static_cast<double>(syncs), 2 * (seconds / interval + 2)) << rows << " rows";
  EXPECT_LT(syncs, rows);
}

TEST(StoreCommits, OneTransactionHoldsEveryWriteOfABatch) {
  // With an interval longer than the run, the only commit is the drain at its end: the sync
  // count does not grow with the trials.
  for (int trials : {4, 24}) {
    SlowStore s(trials, 0);
    auto backend = cpu_backend();
    sweep_detail::Progress quiet(sweep_detail::Progress::Mode::kQuiet, stderr, trials, 0, 0.0);
    const int64_t before = slow_vfs_syncs();
    sweep_detail::PoolResult r =
        s.run(*backend, false, quiet, sweep_detail::CommitPolicy{milliseconds(3600 * 1000), 4096});
    ASSERT_FALSE(r.fatal);
    EXPECT_EQ(r.finished, trials);
    const int64_t syncs = slow_vfs_syncs() - before;
    EXPECT_GE(syncs, 1) << "the store did not go through the slow VFS";
    EXPECT_LE(syncs, 2) << trials << " trials";
    EXPECT_EQ(s.store->count(TrialStatus::kDone) + s.store->count(TrialStatus::kDiverged), trials);
  }
}

// A progress stream that checks, as each "trial N done|diverged|failed" line is written,
// that another connection already reads trial N as finished in the store.
struct DurabilityWitness {
  std::string path, partial;
  std::vector<int> reported, not_durable;

  static ssize_t write(void* cookie, const char* buf, size_t n) {
    auto* w = static_cast<DurabilityWitness*>(cookie);
    w->partial.append(buf, n);
    size_t eol;
    while ((eol = w->partial.find('\n')) != std::string::npos) {
      const std::string line = w->partial.substr(0, eol);
      w->partial.erase(0, eol + 1);
      int trial = -1;
      if (std::sscanf(line.c_str(), "trial %d ", &trial) != 1) continue;
      w->reported.push_back(trial);
      const std::string status =
          query_text(w->path, "SELECT status FROM trials WHERE trial = " + std::to_string(trial));
      if (status != "done" && status != "diverged" && status != "failed")
        w->not_durable.push_back(trial);
    }
    return static_cast<ssize_t>(n);
  }
};

void expect_reported_only_once_durable(bool packed) {
  SlowStore s(12, 10);
  std::unique_ptr<Backend> backend =
      packed ? make_device_backend(make_reference_executor(), "reference") : cpu_backend();
  DurabilityWitness witness;
  witness.path = s.dir.file("store.sqlite");
  cookie_io_functions_t io{};
  io.write = &DurabilityWitness::write;
  FILE* out = fopencookie(&witness, "w", io);
  ASSERT_NE(out, nullptr);
  {
    sweep_detail::Progress progress(sweep_detail::Progress::Mode::kLines, out, 12, 0, 0.0);
    sweep_detail::PoolResult r = s.run(*backend, packed, progress);
    ASSERT_FALSE(r.fatal);
    EXPECT_EQ(r.finished, 12);
  }
  std::fclose(out);
  EXPECT_EQ(witness.reported.size(), 12u);
  EXPECT_TRUE(witness.not_durable.empty())
      << witness.not_durable.size() << " trials reported finished before their row was "
      << "committed, the first " << witness.not_durable.front();
}

TEST(StoreCommits, ATrialIsReportedFinishedOnlyOnceItsRowIsCommitted) {
  expect_reported_only_once_durable(false);
}

TEST(StoreCommits, ThePackedPathReportsATrialOnlyOnceItsRowIsCommitted) {
  expect_reported_only_once_durable(true);
}

TEST(StoreCommits, AnUnknownVfsIsABadSettingNamedInTheMessage) {
  TempDir dir;
  write_noisy_csv(dir, 200, 50, 8, 3);
  write_file(dir.file("space.toml"), tiny_space(dir, "trials = 2\nmax_epochs = 1\n", 50, 3));
  const RunResult r =
      run_command("QRSWEEP_SQLITE_VFS=nonesuch '" + std::string(QRSWEEP_BINARY) +
                  "' sweep --quiet --backend cpu --space '" + dir.file("space.toml") + "' --out '" +
                  dir.file("out") + "' 2>&1");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("QRSWEEP_SQLITE_VFS=nonesuch"), std::string::npos) << r.output;
}

// kill -9 at random moments of a sweep whose every fsync takes 20 ms, then a resume: the
// tables equal an uninterrupted run's, every trial the killed run had reported finished is
// stored, and nothing committed before a kill is lost by it.
TEST(StoreCommits, KillNineAtRandomMomentsOnASlowDiskThenResumeEqualsAnUninterruptedRun) {
  TempDir dir;
  write_noisy_csv(dir, 1500, 300, 24, 4);
  write_file(dir.file("space.toml"),
             tiny_space(dir,
                        "trials = 48\nseed = 3\nmax_epochs = 8\npatience = 3\n"
                        "[layer_size]\nlow = 16\nhigh = 64\n[batch_size]\nlow = 8\nhigh = 32\n",
                        300, 4));
  register_slow_vfs();  // this process reads the stores through it too
  set_slow_vfs_delay(milliseconds(0));
  ScopedEnv vfs("QRSWEEP_SQLITE_VFS", kSlowVfs);
  ScopedEnv delay("QRSWEEP_SLOW_VFS_MS", "20");
  auto args = [&](const std::string& out) {
    return std::vector<std::string>{"sweep", "--space",     dir.file("space.toml"),
                                    "--out", dir.file(out), "--backend",
                                    "cpu",   "--jobs",      "2"};
  };
  const std::string ref = store_path(dir.file("ref")), s = store_path(dir.file("s"));
  auto finished_rows = [&](const std::string& path) {
    std::vector<std::string> rows;
    if (!Store::exists(path)) return rows;
    for (const auto& r : dump_table(path, "trials", "trial", {}))
      if (r.find("status=queued|") == std::string::npos &&
          r.find("status=running|") == std::string::npos)
        rows.push_back(r);
    return rows;
  };

  Child whole(args("ref"), dir.file("ref.log"), QRSWEEP_SLOW_VFS_BINARY);
  ASSERT_EQ(whole.wait(), 0) << read_file(dir.file("ref.log"));

  // Four kill moments spread over the sweep: each run is killed once 0-4 more trials than
  // its start found are finished in the store (commits are grouped, so the count moves in
  // steps), then 0-200 ms later, anywhere in the writer's commit cycle. A target of 0 more
  // kills a run during start-up.
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("kill moments drawn with seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> more_trials(0, 4), extra_ms(0, 200);
  auto finished = [&]() -> long long {
    if (!Store::exists(s)) return 0;
    return query_int(s, "SELECT count(*) FROM trials WHERE status IN "
                        "('done', 'diverged', 'failed')");
  };
  int kills = 0;
  for (int round = 0; round < 4; ++round) {
    const long long target = finished() + more_trials(rng);
    const std::vector<std::string> kept = finished_rows(s);
    const int extra = extra_ms(rng);
    Child child(args("s"), dir.file("s.log"), QRSWEEP_SLOW_VFS_BINARY);
    int status = 0;
    auto ended = [&] { return child.exited(&status); };
    if (wait_until([&] { return ended() || finished() >= target; }, 120) &&
        (ended() || wait_until(ended, extra / 1000.0))) {
      ASSERT_EQ(status, 0) << read_file(dir.file("s.log"));
      break;  // it finished first: nothing left to kill
    }
    const double at = extra / 1000.0;
    child.signal(SIGKILL);
    status = child.wait();
    if (status == 0) break;
    ASSERT_EQ(status, 128 + SIGKILL) << read_file(dir.file("s.log"));
    ++kills;
    std::fprintf(stderr, "killed %.3f s after %lld finished: %lld finished, %lld epoch rows\n", at,
                 target, finished(), query_int(s, "SELECT count(*) FROM epochs"));
    if (!Store::exists(s)) continue;  // killed before the store's first commit
    EXPECT_EQ(query_text(s, "PRAGMA quick_check"), "ok");
    const std::vector<std::string> now = finished_rows(s);
    for (const auto& r : kept)
      EXPECT_NE(std::find(now.begin(), now.end(), r), now.end()) << "lost " << r;
    // Every trial the killed run reported finished is stored as finished, its epochs with it.
    const std::string log = read_file(dir.file("s.log"));
    size_t p = 0;
    while ((p = log.find("\ntrial ", p)) != std::string::npos) {
      const int trial = std::atoi(log.c_str() + p + 7);
      p += 7;
      const std::string status_now =
          query_text(s, "SELECT status FROM trials WHERE trial = " + std::to_string(trial));
      EXPECT_TRUE(status_now == "done" || status_now == "diverged" || status_now == "failed")
          << "trial " << trial << " was reported finished, then lost: " << status_now;
      EXPECT_EQ(
          query_int(s, "SELECT count(*) FROM epochs WHERE trial = " + std::to_string(trial)),
          query_int(s, "SELECT epochs_run FROM trials WHERE trial = " + std::to_string(trial)));
    }
  }
  EXPECT_GE(kills, 3) << "the sweep ended before the kills: make it longer";
  Child last(args("s"), dir.file("s.log"), QRSWEEP_SLOW_VFS_BINARY);
  ASSERT_EQ(last.wait(), 0) << read_file(dir.file("s.log"));
  const std::set<std::string>& clock = wall_clock_columns();
  EXPECT_EQ(dump_table(s, "trials", "trial", clock), dump_table(ref, "trials", "trial", clock));
  EXPECT_EQ(dump_table(s, "epochs", "trial, epoch", clock),
            dump_table(ref, "epochs", "trial, epoch", clock));
  EXPECT_EQ(dump_table(s, "best", "id", clock), dump_table(ref, "best", "id", clock));
  EXPECT_EQ(read_file(dir.file("s/best.safetensors")), read_file(dir.file("ref/best.safetensors")));
}

}  // namespace
}  // namespace qrsweep::test
