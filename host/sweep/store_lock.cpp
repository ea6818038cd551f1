// The store's writer lock (see store_lock.h). flock locks die with the process, so a
// killed sweep never leaves a stale lock behind.
#include "sweep/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "qrsweep/common.h"
#include "store/store_files.h"

namespace qrsweep::sweep_detail {

StoreLock::StoreLock(const std::string& store_path) {
  const std::string path = store_path + ".lock";
  // O_NOFOLLOW and the type check: in a directory others can write, a symlink or a FIFO
  // planted at this name must not make the sweep truncate or block on someone's file.
  fd_ =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int err = errno;
    throw Error(
        "cannot create the lock file " + path + ": " +
        (err == ELOOP ? std::string("it is a symbolic link; remove it") : std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw Error("cannot use the lock file " + path + ": it is not a regular file; remove it");
  }
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    ssize_t got = pread(fd_, buf, sizeof buf - 1, 0);
    std::string holder = got > 0 ? std::string(buf, static_cast<size_t>(got)) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw Error(store_path + " is in use by another qrsweep process" +
                  (holder.empty() ? std::string() : " (pid " + holder + ")") +
                  "; wait for it to finish or stop it first");
    throw Error("cannot lock " + path + ": " + std::strerror(err));
  }
  try {
    check_store_files(store_path, /*writing=*/true);
  } catch (const Error&) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  const std::string pid = std::to_string(static_cast<long>(getpid())) + "\n";
  if (ftruncate(fd_, 0) == 0) {
    ssize_t wrote = pwrite(fd_, pid.data(), pid.size(), 0);
    (void)wrote;  // the pid only improves the message above; the lock is what counts
  }
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace qrsweep::sweep_detail
