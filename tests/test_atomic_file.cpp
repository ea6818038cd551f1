// write_file_atomic (io/atomic_file.h): the content round-trips and replaces the old file
// whole; a write that cannot happen throws naming the path and the reason, and leaves no
// temporary file and the old file untouched. (The fsyncs themselves cannot be observed
// from a test: only their absence after a power cut could.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>

#include "io/atomic_file.h"
#include "qrsweep/common.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

// The message of the Error that `write` throws ("" when it throws none).
template <class F>
std::string error_of(F&& write) {
  try {
    write();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AtomicFile, ContentRoundTripsAndReplacesTheOldFileWhole) {
  test::TempDir dir;
  const std::string path = dir.file("table.csv");
  write_file_atomic(path, "a,b\n1,2\n");
  EXPECT_EQ(test::read_file(path), "a,b\n1,2\n");
  std::string big(3 << 20, '\0');  // several write() calls' worth, NUL bytes included
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 2654435761u >> 24);
  write_file_atomic(path, big);
  EXPECT_EQ(test::read_file(path), big);
  write_file_atomic(path, "");
  EXPECT_EQ(test::read_file(path), "");
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"table.csv"}) << "no temporary file left";
}

TEST(AtomicFile, AMissingDirectoryThrowsNamingThePathAndCreatesNothing) {
  test::TempDir dir;
  const std::string path = dir.file("no/such/dir/all_trials.csv");
  const std::string what = error_of([&] { write_file_atomic(path, "x\n"); });
  EXPECT_THAT(what, HasSubstr("cannot write " + path));
  EXPECT_THAT(what, HasSubstr(std::strerror(ENOENT)));
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(AtomicFile, AFileWhereTheDirectoryShouldBeThrows) {
  test::TempDir dir;
  test::write_file(dir.file("plain"), "not a directory");
  const std::string path = dir.file("plain/out.csv");
  const std::string what = error_of([&] { write_file_atomic(path, "x\n"); });
  EXPECT_THAT(what, HasSubstr("cannot write " + path));
  EXPECT_THAT(what, HasSubstr(std::strerror(ENOTDIR)));
  EXPECT_EQ(test::read_file(dir.file("plain")), "not a directory");
}

TEST(AtomicFile, AFailedRenameRemovesTheTemporaryFile) {
  // The temporary file is written and synced, then the rename fails: a directory (not
  // empty) holds the name.
  test::TempDir dir;
  const std::string path = dir.file("taken");
  fs::create_directories(path);
  test::write_file(path + "/kept", "kept");
  const std::string what = error_of([&] { write_file_atomic(path, "new content\n"); });
  EXPECT_THAT(what, HasSubstr("cannot write " + path));
  EXPECT_THAT(what, HasSubstr("renaming"));
  EXPECT_THAT(what, HasSubstr(std::strerror(EISDIR)));
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"taken"}) << "the temporary file is gone";
  EXPECT_EQ(test::read_file(path + "/kept"), "kept");
}

TEST(AtomicFile, AReadOnlyDirectoryThrowsAndKeepsTheOldFile) {
  test::TempDir dir;
  const std::string ro = dir.file("ro");
  fs::create_directories(ro);
  const std::string path = ro + "/best_trial.csv";
  write_file_atomic(path, "old\n");
  // chmod stops anyone but root; root needs a read-only bind mount.
  ASSERT_EQ(::chmod(ro.c_str(), 0555), 0);
  bool mounted = false;
  if (::access(ro.c_str(), W_OK) == 0) {
    mounted = ::mount(ro.c_str(), ro.c_str(), nullptr, MS_BIND, nullptr) == 0;
    if (mounted &&
        ::mount(nullptr, ro.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      ::umount(ro.c_str());
      mounted = false;
    }
  }
  const bool read_only = ::access(ro.c_str(), W_OK) != 0;
  std::string what;
  if (read_only) what = error_of([&] { write_file_atomic(path, "new\n"); });
  if (mounted) ::umount(ro.c_str());
  ::chmod(ro.c_str(), 0755);
  if (!read_only) GTEST_SKIP() << "cannot make a directory read-only here (root without mounts)";
  EXPECT_THAT(what, HasSubstr("cannot write " + path));
  EXPECT_TRUE(what.find(std::strerror(EACCES)) != std::string::npos ||
              what.find(std::strerror(EROFS)) != std::string::npos)
      << what;
  EXPECT_EQ(test::read_file(path), "old\n");
  EXPECT_EQ(names_in(ro), std::set<std::string>{"best_trial.csv"});
}

TEST(AtomicFile, APathWithoutADirectoryWritesInTheWorkingDirectory) {
  test::TempDir dir;
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  write_file_atomic("plain.csv", "x\n");
  fs::current_path(cwd);
  EXPECT_EQ(test::read_file(dir.file("plain.csv")), "x\n");
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"plain.csv"});
}

}  // namespace
}  // namespace qrsweep
