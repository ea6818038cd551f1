// `qrsweep merge`: shard processes merge into the single-process sweep value for value,
// idempotently, never writing a shard; mismatches refused; missing trials named; resumable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "qrsweep/merge.h"
#include "qrsweep/sweep.h"
#include "report/sweep_data.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSpace =
    "trials = 8\nseed = 3\nmax_epochs = 3\npatience = 2\n"
    "[layer_size]\nlow = 4\nhigh = 16\n[batch_size]\nlow = 16\nhigh = 64\n";

// Every file under `dir` with a digest of its bytes (std::hash of the contents).
std::map<std::string, size_t> fingerprint(const std::string& dir) {
  std::map<std::string, size_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      out[e.path().string()] = std::hash<std::string>{}(test::read_file(e.path().string()));
  return out;
}

class Merge : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 400, 100, 10, 3);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSpace, 100, 3));
  }
  std::string sweep_args(const std::string& out, const std::string& extra = "") const {
    return "sweep --space '" + dir_.file("space.toml") + "' --out '" + dir_.file(out) +
           "' --backend cpu --jobs 1 --threads 1 --quiet " + extra;
  }
  // Runs shards `which` of `n` into `out`, each as its own process, side by side.
  void run_shards(const std::string& out, int n, const std::vector<int>& which,
                  const std::string& extra = "") {
    std::vector<std::unique_ptr<test::Child>> children;
    for (int i : which) {
      std::vector<std::string> args = {"sweep",
                                       "--space",
                                       dir_.file("space.toml"),
                                       "--out",
                                       dir_.file(out),
                                       "--backend",
                                       "cpu",
                                       "--jobs",
                                       "1",
                                       "--threads",
                                       "1",
                                       "--shard",
                                       std::to_string(i) + "/" + std::to_string(n)};
      if (!extra.empty()) {
        args.push_back(extra.substr(0, extra.find(' ')));
        args.push_back(extra.substr(extra.find(' ') + 1));
      }
      children.push_back(std::make_unique<test::Child>(
          args, dir_.file(out + "-shard" + std::to_string(i) + ".log")));
    }
    for (size_t k = 0; k < children.size(); ++k)
      ASSERT_EQ(children[k]->wait(), 0)
          << test::read_file(dir_.file(out + "-shard" + std::to_string(which[k]) + ".log"));
  }
  test::RunResult merge(const std::string& args) {
    return test::run_qrsweep("merge " + args + " --backend cpu --threads 1");
  }
  void expect_same_tables(const std::string& a, const std::string& b, bool with_best = true) {
    const auto& skip = test::wall_clock_columns();
    EXPECT_EQ(test::dump_table(a, "trials", "trial", skip),
              test::dump_table(b, "trials", "trial", skip));
    EXPECT_EQ(test::dump_table(a, "epochs", "trial, epoch", skip),
              test::dump_table(b, "epochs", "trial, epoch", skip));
    if (with_best) {
      EXPECT_EQ(test::dump_table(a, "best", "id", skip).size(), 1u);
      EXPECT_EQ(test::dump_table(a, "best", "id", skip), test::dump_table(b, "best", "id", skip));
    }
  }
  std::string q(const std::string& name) const { return "'" + dir_.file(name) + "'"; }
  test::TempDir dir_;
};

TEST_F(Merge, ThreeShardProcessesMergeIntoTheSingleProcessSweep) {
  auto single = test::run_qrsweep(sweep_args("single"));
  ASSERT_EQ(single.status, 0) << single.output;
  run_shards("sharded", 3, {0, 1, 2});
  EXPECT_FALSE(fs::exists(dir_.file("sharded/store.sqlite"))) << "shards do not select or test";
  EXPECT_FALSE(fs::exists(dir_.file("sharded/best.safetensors")));

  auto r = merge(q("sharded"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("merged 3 store(s)"));
  EXPECT_THAT(r.output, HasSubstr("8 of 8 trials finished"));
  EXPECT_THAT(r.output, HasSubstr("The test accuracy was: "));
  expect_same_tables(dir_.file("sharded/store.sqlite"), dir_.file("single/store.sqlite"));
  EXPECT_EQ(test::query_int(dir_.file("sharded/store.sqlite"),
                            "SELECT shard_index * 10 + shard_count FROM sweep"),
            1)
      << "the merged store is shard 0/1";
  // The table the notebook wrote, the same as the single run's export but for wall clock.
  ASSERT_EQ(test::run_qrsweep("export " + q("single")).status, 0);
  auto without_seconds = [](const std::string& csv) {
    std::string out;
    std::istringstream in(csv);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::istringstream row(line);
      std::string cell;
      while (std::getline(row, cell, ',')) cells.push_back(cell);
      cells.erase(cells.begin() + 35);  // Seconds
      for (const auto& c : cells) out += c + ",";
      out += "\n";
    }
    return out;
  };
  const std::string merged_csv = test::read_file(dir_.file("sharded/all_trials.csv"));
  ASSERT_THAT(merged_csv, HasSubstr(",Steps,Seconds,"));
  EXPECT_EQ(without_seconds(merged_csv),
            without_seconds(test::read_file(dir_.file("single/all_trials.csv"))));
  EXPECT_EQ(test::read_file(dir_.file("sharded/best_trial.toml")),
            test::read_file(dir_.file("single/best_trial.toml")));
}

TEST_F(Merge, MergingAgainGivesTheSameStoreAndNeverTouchesAShard) {
  run_shards("s", 2, {0, 1});
  const auto shards_before = fingerprint(dir_.file("s/shards"));
  auto first = merge(q("s"));
  ASSERT_EQ(first.status, 0) << first.output;
  const std::string store_bytes = test::read_file(dir_.file("s/store.sqlite"));
  const std::string csv = test::read_file(dir_.file("s/all_trials.csv"));
  const std::string weights = test::read_file(dir_.file("s/best.safetensors"));

  auto second = merge(q("s"));
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("test from the earlier merge is kept"));
  EXPECT_THAT(second.output, Not(HasSubstr("retraining")));
  EXPECT_EQ(test::read_file(dir_.file("s/store.sqlite")), store_bytes) << "byte for byte";
  EXPECT_EQ(test::read_file(dir_.file("s/all_trials.csv")), csv);
  EXPECT_EQ(test::read_file(dir_.file("s/best.safetensors")), weights);
  // Not a byte of any shard file changed, and SQLite left no -wal/-shm beside them.
  EXPECT_EQ(fingerprint(dir_.file("s/shards")), shards_before);
}

TEST_F(Merge, StoresOfDifferentSweepsAreRefusedNamingWhatDiffers) {
  run_shards("mixed", 2, {0});
  run_shards("mixed", 2, {1}, "--seed 4");
  const auto before = fingerprint(dir_.file("mixed"));
  auto r = merge(q("mixed"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("belongs to another sweep"));
  EXPECT_THAT(r.output, HasSubstr("seed: 3 -> 4"));
  EXPECT_FALSE(fs::exists(dir_.file("mixed/store.sqlite")));
  auto after = fingerprint(dir_.file("mixed"));
  for (const auto& [path, digest] : before) EXPECT_EQ(after[path], digest) << path;

  run_shards("other", 2, {1}, "--trials 6");
  auto t = merge(q("out") + " " + q("mixed/shards/shard-0-of-2.sqlite") + " " + q("other"));
  EXPECT_EQ(t.status, 2) << t.output;
  EXPECT_THAT(t.output, HasSubstr("trials: 8 -> 6"));
}

TEST_F(Merge, MissingAndUnfinishedTrialsAreNamedAndTheTestWaitsForThem) {
  run_shards("part", 4, {0, 2});
  // Shard 1 exists but never ran a trial (its job is still queued, say).
  {
    SweepOptions so;
    so.space_path = dir_.file("space.toml");
    const SearchSpace space = resolve_space(so);
    open_sweep_store(shard_store_path(dir_.file("part"), 1, 4), space, Shard{1, 4},
                     make_plan_rows(space, 1, 4));
  }
  auto r = merge(q("part"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("4 of 8 trials finished"));
  EXPECT_THAT(r.output, HasSubstr("2 trial(s) not finished yet: 1, 5"));
  EXPECT_THAT(r.output, HasSubstr("2 trial(s) in no store: 3, 7"));
  EXPECT_THAT(r.output, HasSubstr("no store found for shard(s) 3/4"));
  EXPECT_THAT(r.output, HasSubstr("run shard(s) 1,3 (of 4) again"));
  EXPECT_FALSE(fs::exists(dir_.file("part/best.safetensors"))) << "no test before every trial";
  EXPECT_EQ(test::query_int(dir_.file("part/store.sqlite"), "SELECT count(*) FROM trials"), 8);
  EXPECT_EQ(test::query_int(dir_.file("part/store.sqlite"), "SELECT count(*) FROM best"), 0);
  const std::string csv = test::read_file(dir_.file("part/all_trials.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 9);

  auto strict = merge(q("part") + " --require-complete");
  EXPECT_EQ(strict.status, 1) << strict.output;
  EXPECT_THAT(strict.output, HasSubstr("--require-complete: 2 trial(s) unfinished, 2 missing"));

  run_shards("part", 4, {1, 3});
  auto done = merge(q("part") + " --require-complete");
  EXPECT_EQ(done.status, 0) << done.output;
  EXPECT_THAT(done.output, HasSubstr("8 of 8 trials finished"));
  EXPECT_TRUE(fs::exists(dir_.file("part/best.safetensors")));
}

TEST_F(Merge, AMergedPartialSweepResumesInOneProcess) {
  auto single = test::run_qrsweep(sweep_args("single"));
  ASSERT_EQ(single.status, 0) << single.output;
  run_shards("resume", 3, {0, 2});
  ASSERT_EQ(merge(q("resume")).status, 0);
  // The merged store is the whole plan (shard 0/1): a plain sweep carries on from it,
  // running only shard 1's trials 1, 4 and 7.
  auto r = test::run_qrsweep("sweep --space " + q("space.toml") + " --out " + q("resume") +
                             " --backend cpu --jobs 1 --threads 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("8 trials (3 to run, 5 kept from an earlier run)"));
  EXPECT_THAT(r.output, Not(HasSubstr("trial 0 done")));
  expect_same_tables(dir_.file("resume/store.sqlite"), dir_.file("single/store.sqlite"));
  // And merging after that keeps everything, test included.
  auto again = merge(q("resume"));
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("test from the earlier merge is kept"));
  expect_same_tables(dir_.file("resume/store.sqlite"), dir_.file("single/store.sqlite"));
}

TEST_F(Merge, NamedShardStoresAndDirectoriesMergeIntoAnotherDirectory) {
  run_shards("x", 2, {0});
  run_shards("y", 2, {1});
  auto r = merge(q("xy") + " " + q("x/shards/shard-0-of-2.sqlite") + " " + q("y"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("8 of 8 trials finished"));
  EXPECT_TRUE(fs::exists(dir_.file("xy/best.safetensors")));
  auto single = test::run_qrsweep(sweep_args("single"));
  ASSERT_EQ(single.status, 0);
  expect_same_tables(dir_.file("xy/store.sqlite"), dir_.file("single/store.sqlite"));
  auto missing = merge(q("z") + " " + q("nowhere"));
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.output, HasSubstr("does not exist"));
}

TEST_F(Merge, TwoStoresThatDisagreeOnAFinishedTrialAreRefused) {
  run_shards("a", 2, {0, 1});
  fs::create_directories(dir_.file("b/shards"));
  fs::copy_file(dir_.file("a/shards/shard-0-of-2.sqlite"),
                dir_.file("b/shards/shard-0-of-2.sqlite"));
  auto edit = test::run_command("python3 -c \"import sqlite3; c = sqlite3.connect('" +
                                dir_.file("b/shards/shard-0-of-2.sqlite") +
                                "'); c.execute('UPDATE trials SET min_val_loss = min_val_loss "
                                "+ 0.5 WHERE trial = 2'); c.commit()\"");
  if (edit.status != 0) GTEST_SKIP() << "python3's sqlite3 module is needed: " << edit.output;
  auto r = merge(q("ab") + " " + q("a") + " " + q("b"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("trial 2 finished differently in"));
  EXPECT_THAT(r.output, HasSubstr("min val loss"));
}

TEST_F(Merge, ShardStoresOnReadOnlyMediaMerge) {
  run_shards("ro-src", 2, {0, 1});
  fs::create_directories(dir_.file("ro"));
  if (geteuid() != 0 ||
      mount(dir_.file("ro-src").c_str(), dir_.file("ro").c_str(), nullptr, MS_BIND, nullptr) != 0)
    GTEST_SKIP() << "needs root to bind-mount a read-only copy";
  const bool ro = mount(nullptr, dir_.file("ro").c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY,
                        nullptr) == 0;
  auto r = merge(q("ro-out") + " " + q("ro"));
  umount(dir_.file("ro").c_str());
  if (!ro) GTEST_SKIP() << "cannot remount read-only here";
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("8 of 8 trials finished"));
}

TEST_F(Merge, EachTrialKeepsTheStartAndFinishTimesOfTheShardThatRanIt) {
  run_shards("times", 2, {0, 1});
  auto r = merge(q("times"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string merged = dir_.file("times/store.sqlite");
  for (int i = 0; i < 8; ++i) {
    const std::string shard = shard_store_path(dir_.file("times"), i % 2, 2);
    for (const char* column : {"started_at", "finished_at"}) {
      const std::string sql =
          std::string("SELECT ") + column + " FROM trials WHERE trial = " + std::to_string(i);
      const std::string ran = test::query_text(shard, sql);
      EXPECT_EQ(ran.size(), 24u) << "trial " << i << " " << column << ": " << ran;
      EXPECT_EQ(test::query_text(merged, sql), ran) << "trial " << i << " " << column;
    }
  }
  // So the report of the merged store places every trial in time.
  const report::SweepData data = report::load_sweep_data(dir_.file("times"));
  EXPECT_TRUE(data.have_times);
  ASSERT_EQ(data.trials.size(), 8u);
  for (const auto& t : data.trials)
    EXPECT_TRUE(std::isfinite(t.finished_s)) << "trial " << t.record.config.index;
  // An earlier merge's store read back by the next merge keeps them too.
  ASSERT_EQ(merge(q("again") + " " + q("times/store.sqlite")).status, 0);
  EXPECT_EQ(test::dump_table(dir_.file("again/store.sqlite"), "trials", "trial", {}),
            test::dump_table(merged, "trials", "trial", {}));
}

TEST(MergeIndices, RunsOfConsecutiveIndicesAreShortened) {
  EXPECT_EQ(format_indices({}), "");
  EXPECT_EQ(format_indices({4}), "4");
  EXPECT_EQ(format_indices({0, 1}), "0, 1");
  EXPECT_EQ(format_indices({0, 3, 4, 5, 9, 11, 12}), "0, 3-5, 9, 11, 12");
}

}  // namespace
}  // namespace qrsweep
