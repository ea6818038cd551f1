// The crash contract for real: `qrsweep sweep` SIGKILLed at several moments and resumed
// equals an uninterrupted run value for value; SIGINT/TERM/USR1/HUP stop cleanly.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <functional>
#include <set>

#include "qrsweep/store.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

// 40 trials: long enough to outlast several of the store's 200 ms commit intervals, so a
// test that stops or kills a sweep mid-run finds work left (docs/sweep.md, "Durability").
constexpr const char* kSpace =
    "trials = 40\nseed = 7\nmax_epochs = 10\npatience = 3\n"
    "[layer_size]\nlow = 16\nhigh = 64\n"
    "[batch_size]\nlow = 8\nhigh = 32\n";

class SweepResume : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 1500, 300, 24, 4);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSpace, 300, 4));
  }
  std::vector<std::string> args(const std::string& out) const {
    return {"sweep",
            "--space",
            dir_.file("space.toml"),
            "--out",
            dir_.file(out),
            "--backend",
            "cpu",
            "--jobs",
            "2",
            "--threads",
            "1"};
  }
  std::string cmdline(const std::string& out) const {
    std::string s;
    for (const auto& a : args(out)) s += "'" + a + "' ";
    return s;
  }
  std::string store(const std::string& out) const { return store_path(dir_.file(out)); }
  std::vector<std::string> dump(const std::string& out, const std::string& table,
                                const std::string& order, bool wall_clock = false) const {
    static const std::set<std::string> none;
    return test::dump_table(store(out), table, order,
                            wall_clock ? none : test::wall_clock_columns());
  }
  long long finished(const std::string& out) const {
    return test::query_int(store(out),
                           "SELECT count(*) FROM trials WHERE status IN "
                           "('done', 'diverged', 'failed')");
  }
  long long epochs(const std::string& out) const {
    return test::query_int(store(out), "SELECT count(*) FROM epochs");
  }
  // Epoch rows of the trials still running: a trial is in its middle once it has some.
  long long running_epochs(const std::string& out) const {
    return test::query_int(store(out),
                           "SELECT count(*) FROM epochs WHERE trial IN "
                           "(SELECT trial FROM trials WHERE status = 'running')");
  }
  // The finished trials' rows, wall-clock columns included (proof they were not rerun).
  std::vector<std::string> finished_rows(const std::string& out) const {
    std::vector<std::string> rows;
    for (const auto& r : dump(out, "trials", "trial", true))
      if (r.find("status=queued|") == std::string::npos &&
          r.find("status=running|") == std::string::npos)
        rows.push_back(r);
    return rows;
  }
  test::TempDir dir_;
};

TEST_F(SweepResume, KillNineAtAnyMomentThenResumeEqualsAnUninterruptedRun) {
  auto ref = test::run_qrsweep(cmdline("ref"));
  ASSERT_EQ(ref.status, 0) << ref.output;
  const long long total_epochs = epochs("ref");
  ASSERT_GT(total_epochs, 20);

  // Each kill point waits for a state of the store, then kills without warning.
  struct KillPoint {
    const char* what;
    std::function<bool()> ready;
  };
  // Epoch rows are committed in groups (docs/sweep.md, "Durability") and a resume drops the
  // interrupted trials' rows, so the points are states of the store, not row counts.
  long long finished_at_start = 0;
  const std::vector<KillPoint> points = {
      {"right after the store appears", [&] { return finished("s") >= 0; }},
      {"after the first finished trial", [&] { return finished("s") >= 1; }},
      {"in the middle of a trial", [&] { return running_epochs("s") >= 2; }},
      {"after more trials finished", [&] { return finished("s") >= finished_at_start + 2; }},
      {"in the middle of a later trial", [&] { return running_epochs("s") >= 3; }},
  };
  int kills = 0;
  for (const KillPoint& p : points) {
    finished_at_start = Store::exists(store("s")) ? finished("s") : 0;
    const std::vector<std::string> kept =
        Store::exists(store("s")) ? finished_rows("s") : std::vector<std::string>{};
    test::Child child(args("s"), dir_.file("child.log"));
    int exit_status = 0;
    const bool hit = test::wait_until([&] { return p.ready() || child.exited(&exit_status); }, 60);
    child.signal(SIGKILL);
    const int status = child.wait();
    if (status == 0) break;  // the sweep ended before this point: nothing left to kill
    ASSERT_TRUE(hit) << p.what << ": " << test::read_file(dir_.file("child.log"));
    ASSERT_EQ(status, 128 + SIGKILL) << test::read_file(dir_.file("child.log"));
    ++kills;
    std::fprintf(stderr, "killed %s: %lld trials finished, %lld epoch rows\n", p.what,
                 finished("s"), epochs("s"));
    // Nothing committed is lost or changed by the kill, and the file is sound.
    EXPECT_EQ(test::query_text(store("s"), "PRAGMA quick_check"), "ok") << p.what;
    auto now = finished_rows("s");
    for (const auto& r : kept)
      EXPECT_NE(std::find(now.begin(), now.end(), r), now.end()) << p.what << ": lost " << r;
  }
  EXPECT_GE(kills, 3);
  auto last = test::run_qrsweep(cmdline("s"));
  ASSERT_EQ(last.status, 0) << last.output;
  EXPECT_EQ(dump("s", "trials", "trial"), dump("ref", "trials", "trial"));
  EXPECT_EQ(dump("s", "epochs", "trial, epoch"), dump("ref", "epochs", "trial, epoch"));
  EXPECT_EQ(dump("s", "best", "id"), dump("ref", "best", "id"));
  EXPECT_EQ(test::read_file(dir_.file("s/best.safetensors")),
            test::read_file(dir_.file("ref/best.safetensors")));
}

TEST_F(SweepResume, SigtermStopsCleanlyRequeuesAndSaysHowToResume) {
  for (int signo : {SIGTERM, SIGINT, SIGUSR1, SIGHUP}) {
    test::TempDir out;
    std::vector<std::string> a = args("x");
    a[4] = out.path();
    const std::string path = store_path(out.path());
    test::Child child(a, dir_.file("child.log"));
    ASSERT_TRUE(test::wait_until(
        [&] { return test::query_int(path, "SELECT count(*) FROM epochs") >= 2; }, 60));
    child.signal(signo);
    const int status = child.wait();
    const std::string log = test::read_file(dir_.file("child.log"));
    ASSERT_EQ(status, 128 + signo) << log;
    EXPECT_NE(log.find("resume with: qrsweep sweep --space"), std::string::npos) << log;
    EXPECT_EQ(test::query_int(path, "SELECT count(*) FROM trials WHERE status = 'running'"), 0);
    // Every epoch row left belongs to a finished trial.
    EXPECT_EQ(test::query_int(path,
                              "SELECT count(*) FROM epochs JOIN trials USING (trial) "
                              "WHERE status = 'queued'"),
              0);
  }
}

}  // namespace
}  // namespace qrsweep
