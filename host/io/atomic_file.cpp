// Durable atomic file replacement (see atomic_file.h). Without the fsyncs a power cut
// after the rename can leave the new name pointing at an empty or partial file: the
// rename may reach the disk before the data does.
#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "io/input_file.h"
#include "io/unique_fd.h"
#include "qrsweep/common.h"

namespace qrsweep {

namespace {

using Fd = UniqueFd;

// The temporary file, removed unless it was renamed into place.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::string path_;
};

std::string directory_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Unique within the process too: two threads may write the same name.
std::string temp_name(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  return path + ".tmp." + std::to_string(static_cast<long>(::getpid())) + "." +
         std::to_string(counter++);
}

[[noreturn]] void fail(const std::string& path, const std::string& step, int err) {
  throw Error("cannot write " + path + ": " + step + ": " + std::strerror(err));
}

void write_all(int fd, const std::string& content, const std::string& path) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      fail(path, "writing the temporary file", err);
    }
    done += static_cast<size_t>(n);
  }
}

// Makes the rename durable. A file system that cannot sync a directory says EINVAL:
// there is nothing more to do there.
void sync_directory(const std::string& path) {
  const std::string dir = directory_of(path);
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int err = fd.get() < 0 ? errno : 0;
  if (err) fail(path, "opening its directory " + dir + " to sync it", err);
  err = ::fsync(fd.get()) != 0 ? errno : 0;
  if (err && err != EINVAL) fail(path, "syncing its directory " + dir, err);
}

// The start of an SQLite database (a qrsweep store), of its write-ahead log and of its
// rollback journal.
bool is_sqlite_file(int fd) {
  unsigned char head[16] = {};
  if (::pread(fd, head, sizeof head, 0) < 8) return false;
  static const unsigned char kDb[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                        'o', 'r', 'm', 'a', 't', ' ', '3', 0};
  static const unsigned char kJournal[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
  const bool wal =
      head[0] == 0x37 && head[1] == 0x7f && head[2] == 0x06 && (head[3] == 0x82 || head[3] == 0x83);
  return std::memcmp(head, kDb, 16) == 0 || std::memcmp(head, kJournal, 8) == 0 || wal;
}

// check_output_path but for the directory rule, which the rename itself enforces.
void check_replaceable(const std::string& path, const struct stat& st) {
  const std::string shown = printable_path(path);
  if (is_input_file(st.st_dev, st.st_ino))
    throw ConfigError("cannot write " + shown +
                      ": it is also an input of this command; name another file");
  if (!S_ISREG(st.st_mode)) return;
  Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() >= 0 && is_sqlite_file(fd.get()))
    throw ConfigError("cannot write " + shown +
                      ": it is a qrsweep store (an SQLite database or its journal); "
                      "name another file");
}

}  // namespace

void check_output_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // nothing there (or nothing we can see) to lose
  if (S_ISDIR(st.st_mode))
    throw ConfigError("cannot write " + printable_path(path) + ": it is a directory; name a file");
  check_replaceable(path, st);
}

// errno is read before anything else can change it.
void write_file_atomic(const std::string& path, const std::string& content) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) check_replaceable(path, st);  // a directory: rename fails
  const std::string name = temp_name(path);
  // O_EXCL: never an existing file, nor a symlink planted at the temporary name.
  Fd fd(::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  int err = fd.get() < 0 ? errno : 0;
  if (err) fail(path, "creating the temporary file " + name, err);
  TempFile tmp(name);
  write_all(fd.get(), content, path);
  err = ::fsync(fd.get()) != 0 ? errno : 0;
  if (err) fail(path, "syncing the temporary file", err);
  err = fd.close() ? 0 : errno;
  if (err) fail(path, "closing the temporary file", err);
  err = std::rename(tmp.path().c_str(), path.c_str()) != 0 ? errno : 0;
  if (err) fail(path, "renaming " + tmp.path() + " over it", err);
  tmp.release();
  sync_directory(path);
}

}  // namespace qrsweep
