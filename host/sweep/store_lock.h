// One writer per store file: an exclusive flock on "<store>.lock", held while a sweep
// runs, so two processes started on the same directory cannot both train its trials.
#pragma once
#include <string>

namespace qrsweep::sweep_detail {

class StoreLock {
 public:
  // Throws Error naming the holder's pid when another process holds the lock, or the
  // reason when the lock file cannot be created. The lock file is never followed through
  // a symlink; once it is held, check_store_files (store/store_files.h) runs.
  explicit StoreLock(const std::string& store_path);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace qrsweep::sweep_detail
