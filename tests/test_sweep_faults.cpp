// Faults through the CLI (unwritable DIR, disk full on a 2 MiB tmpfs, garbage, damaged or
// newer store, missing data, a second process): clear error, non-zero exit, nothing lost.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <fstream>

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

class SweepFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 1500, 300, 24, 4);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSpace, 300, 4));
  }
  std::vector<std::string> args(const std::string& out,
                                const std::string& space = "space.toml") const {
    return {"sweep",  "--space", dir_.file(space), "--out", out,      "--backend", "cpu",
            "--jobs", "2",       "--threads",      "1",     "--quiet"};
  }
  test::RunResult sweep(const std::string& out, const std::string& space = "space.toml") const {
    std::string s;
    for (const auto& a : args(out, space)) s += "'" + a + "' ";
    return test::run_qrsweep(s);
  }
  static long long finished(const std::string& out) {
    return test::query_int(store_path(out),
                           "SELECT count(*) FROM trials WHERE status IN "
                           "('done', 'diverged', 'failed')");
  }
  // Starts a sweep into `out` and kills it once `n` trials are finished: a store with
  // work in it and work left.
  void partial_sweep(const std::string& out, int n) const {
    test::Child child(args(out), dir_.file("partial.log"));
    ASSERT_TRUE(test::wait_until([&] { return finished(out) >= n; }, 60));
    child.signal(SIGKILL);
    ASSERT_EQ(child.wait(), 128 + SIGKILL) << test::read_file(dir_.file("partial.log"));
  }
  static std::vector<std::string> rows(const std::string& out) {
    return test::dump_table(store_path(out), "trials", "trial", {});
  }
  static std::vector<std::string> finished_rows(const std::string& out) {
    std::vector<std::string> r;
    for (const auto& row : rows(out))
      if (row.find("status=done|") != std::string::npos) r.push_back(row);
    return r;
  }
  static void expect_contains(const std::string& text, const std::string& what) {
    EXPECT_NE(text.find(what), std::string::npos) << "no \"" << what << "\" in:\n" << text;
  }
  test::TempDir dir_;
};

TEST_F(SweepFaults, AnOutPathThatCannotBeADirectoryIsRefused) {
  test::write_file(dir_.file("file"), "x");
  auto r = sweep(dir_.file("file/sweep"));
  EXPECT_EQ(r.status, 1) << r.output;
  expect_contains(r.output, "cannot create the sweep directory " + dir_.file("file/sweep"));
}

TEST_F(SweepFaults, AReadOnlyDirectoryIsRefusedAndItsStoreKept) {
  const std::string out = dir_.file("ro");
  test::TmpfsMount mount(out, "size=8m");
  if (!mount.mounted()) {
    if (geteuid() == 0) GTEST_SKIP() << "cannot mount a tmpfs here: " << mount.why();
    test::run_command("mkdir -p '" + out + "'");
  }
  partial_sweep(out, 2);
  const auto before = rows(out);
  if (mount.mounted()) {
    ASSERT_TRUE(mount.remount("ro"));
  } else {
    test::run_command("chmod 0555 '" + out + "'");
  }
  auto r = sweep(out);
  EXPECT_EQ(r.status, 1) << r.output;
  expect_contains(r.output, "cannot write to the sweep directory " + out);
  if (mount.mounted()) {
    ASSERT_TRUE(mount.remount("rw"));
  } else {
    test::run_command("chmod 0755 '" + out + "'");
  }
  EXPECT_EQ(rows(out), before);
  auto resumed = sweep(out);
  EXPECT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(finished(out), 40);
}

TEST_F(SweepFaults, ADiskFillingUpMidSweepStopsItWithoutLosingWhatIsStored) {
  const std::string out = dir_.file("small");
  test::TmpfsMount mount(out, "size=2m");
  if (!mount.mounted()) GTEST_SKIP() << "cannot mount a 2 MiB tmpfs here: " << mount.why();
  auto ref = sweep(dir_.file("ref"));
  ASSERT_EQ(ref.status, 0) << ref.output;

  test::Child child(args(out), dir_.file("full.log"));
  ASSERT_TRUE(test::wait_until([&] { return finished(out) >= 2; }, 60));
  // Freeze it, fill the filesystem, let it go on: its next commit finds the disk full.
  child.signal(SIGSTOP);
  auto fill = test::run_command("dd if=/dev/zero of='" + out + "/filler' bs=4096 2>&1");
  expect_contains(fill.output, "No space left on device");
  const auto stored = finished_rows(out);
  ASSERT_GE(stored.size(), 2u);
  child.signal(SIGCONT);
  const int status = child.wait();
  const std::string log = test::read_file(dir_.file("full.log"));
  EXPECT_EQ(status, 1) << log;
  expect_contains(log, "the disk is full");
  expect_contains(log, "resume with: qrsweep sweep");

  ASSERT_EQ(std::remove((out + "/filler").c_str()), 0);
  EXPECT_EQ(test::query_text(store_path(out), "PRAGMA quick_check"), "ok");
  const auto after = finished_rows(out);
  for (const auto& row : stored)
    EXPECT_NE(std::find(after.begin(), after.end(), row), after.end()) << "lost " << row;
  auto resumed = sweep(out);
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const auto& skip = test::wall_clock_columns();
  EXPECT_EQ(test::dump_table(store_path(out), "trials", "trial", skip),
            test::dump_table(store_path(dir_.file("ref")), "trials", "trial", skip));
  EXPECT_EQ(test::dump_table(store_path(out), "epochs", "trial, epoch", skip),
            test::dump_table(store_path(dir_.file("ref")), "epochs", "trial, epoch", skip));
}

TEST_F(SweepFaults, AGarbageStoreIsRefusedUntouched) {
  const std::string out = dir_.file("g");
  test::run_command("mkdir -p '" + out + "'");
  std::string garbage;
  for (int i = 0; i < 10000; ++i) garbage += static_cast<char>((i * 7 + i / 13) % 256);
  test::write_file(store_path(out), garbage);
  auto r = sweep(out);
  EXPECT_EQ(r.status, 3) << r.output;
  expect_contains(r.output, store_path(out) + " is not a qrsweep store");
  EXPECT_EQ(test::read_file(store_path(out)), garbage);
}

TEST_F(SweepFaults, ADamagedStoreIsRefusedUntouched) {
  const std::string out = dir_.file("d");
  partial_sweep(out, 2);
  // Let a clean run fold the WAL into the file, then damage every page but the first.
  auto done = sweep(out);
  ASSERT_EQ(done.status, 0) << done.output;
  std::string bytes = test::read_file(store_path(out));
  ASSERT_GT(bytes.size(), 4u * 4096);
  for (size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xA5 ^ (i & 0xff));
  test::write_file(store_path(out), bytes);
  auto r = sweep(out);
  EXPECT_EQ(r.status, 3) << r.output;
  expect_contains(r.output, store_path(out) + " is damaged");
  EXPECT_EQ(test::read_file(store_path(out)), bytes);
}

TEST_F(SweepFaults, AStoreFromANewerQrsweepIsRefusedUntouched) {
  const std::string out = dir_.file("n");
  partial_sweep(out, 1);
  const auto before = rows(out);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store_path(out).c_str(), &db), SQLITE_OK);
  const std::string bump = "PRAGMA user_version = " + std::to_string(kStoreSchemaVersion + 1);
  ASSERT_EQ(sqlite3_exec(db, bump.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const std::string file = test::read_file(store_path(out));
  auto r = sweep(out);
  EXPECT_EQ(r.status, 1) << r.output;
  expect_contains(r.output, "was written by a newer qrsweep (store schema version " +
                                std::to_string(kStoreSchemaVersion + 1));
  EXPECT_EQ(test::read_file(store_path(out)), file);
  EXPECT_EQ(rows(out), before);
}

TEST_F(SweepFaults, AMissingDatasetNamesTheFileAndKeepsTheStore) {
  const std::string out = dir_.file("m");
  partial_sweep(out, 1);
  const auto before = rows(out);
  ASSERT_EQ(std::rename(dir_.file("train.csv").c_str(), dir_.file("moved.csv").c_str()), 0);
  auto r = sweep(out);
  EXPECT_EQ(r.status, 3) << r.output;
  expect_contains(r.output, dir_.file("train.csv"));
  EXPECT_EQ(rows(out), before);
  ASSERT_EQ(std::rename(dir_.file("moved.csv").c_str(), dir_.file("train.csv").c_str()), 0);
  auto resumed = sweep(out);
  EXPECT_EQ(resumed.status, 0) << resumed.output;

  // An IDX directory that is not there, and Fashion-MNIST when it is not installed.
  test::write_file(
      dir_.file("idx.toml"),
      std::string(kSpace) + "[data]\nformat = \"idx\"\ndir = \"" + dir_.file("nowhere") + "\"\n");
  auto idx = sweep(dir_.file("i"), "idx.toml");
  EXPECT_EQ(idx.status, 3) << idx.output;
  expect_contains(idx.output, dir_.file("nowhere") + " does not exist");
  EXPECT_FALSE(std::ifstream(store_path(dir_.file("i"))).good());  // nothing half-made
  if (!test::have_fashion_mnist()) {
    test::write_file(dir_.file("fm.toml"), kSpace);
    auto fm = sweep(dir_.file("f"), "fm.toml");
    EXPECT_EQ(fm.status, 3) << fm.output;
    expect_contains(fm.output, "apt-get install dataset-fashion-mnist");
  }
}

TEST_F(SweepFaults, ASecondProcessOnTheSameDirectoryIsRefused) {
  const std::string out = dir_.file("busy");
  test::Child child(args(out), dir_.file("first.log"));
  ASSERT_TRUE(test::wait_until([&] { return finished(out) >= 0; }, 60));
  auto r = sweep(out);
  int status = 0;
  if (child.exited(&status)) GTEST_SKIP() << "the first sweep ended before the second began";
  EXPECT_EQ(r.status, 1) << r.output;
  expect_contains(r.output,
                  "is in use by another qrsweep process (pid " + std::to_string(child.pid()) + ")");
  EXPECT_EQ(child.wait(), 0) << test::read_file(dir_.file("first.log"));
  EXPECT_EQ(finished(out), 40);
}

}  // namespace
}  // namespace qrsweep
