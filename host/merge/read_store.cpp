// Reading one store whole for a merge (merge.h) without writing beside it: immutable when no
// qrsweep writes it and no WAL is pending (no -wal/-shm appear), else a read-only snapshot.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/merge.h"
#include "store/record_rows.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/trial_row.h"

namespace qrsweep {

namespace {

using store_detail::Db;
using store_detail::Statement;

// An SQLite URI for `path` with `query` ("immutable=1", "mode=ro").
std::string sqlite_uri(const std::string& path, const std::string& query) {
  std::string u = "file:";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      u += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      u += buf;
    }
  }
  return u + "?" + query;
}

// A shared lock on the store's writer lock file (sweep/store_lock.h), held for the few
// milliseconds of the read, so that no qrsweep starts writing under an immutable reader
// (one that tries is refused with a message naming the lock). writer_active() says that a
// qrsweep writes the store right now.
class ReaderLock {
 public:
  explicit ReaderLock(const std::string& store_path) {
    fd_ = ::open((store_path + ".lock").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ >= 0 && flock(fd_, LOCK_SH | LOCK_NB) != 0) {
      ::close(fd_);
      fd_ = -2;  // a writer holds it
    }
  }
  ~ReaderLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;
  bool writer_active() const { return fd_ == -2; }

 private:
  int fd_ = -1;
};

// True when the store has no committed transactions waiting in its -wal file.
bool no_pending_wal(const std::string& path) {
  struct stat st {};
  return ::stat((path + "-wal").c_str(), &st) != 0 || st.st_size == 0;
}

void read_all(Db& db, const std::string& path, StoreContents& c) {
  int version = 0;
  if (store_detail::inspect(db, &version) != store_detail::FileKind::kStore)
    throw DataError(path + " is an empty file, not a qrsweep store");
  db.exec("BEGIN");  // one snapshot, whatever a writer commits meanwhile
  c.sweep = store_detail::read_sweep_row(db, path);
  {
    Statement s(
        db, std::string("SELECT ") + store_detail::kTrialColumns + " FROM trials ORDER BY trial");
    while (s.step()) c.trials.push_back(store_detail::read_trial(s, path));
  }
  for (const TrialRecord& t : c.trials)
    if (is_finished(t.status))
      c.epochs[t.config.index] = store_detail::read_epoch_rows(db, t.config.index);
  c.test = store_detail::read_test_row(db);
  db.exec("COMMIT");
}

// Errors from the SQLite layer name the URI; the user knows the file by its path.
std::string with_path(std::string message, const std::string& uri, const std::string& path) {
  for (size_t p = message.find(uri); p != std::string::npos; p = message.find(uri, p))
    message.replace(p, uri.size(), path);
  return message;
}

}  // namespace

StoreContents read_store_contents(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw ConfigError("no store at " + path);
  if (st.st_size == 0) throw DataError(path + " is an empty file, not a qrsweep store");
  ReaderLock lock(path);
  const bool immutable = !lock.writer_active() && no_pending_wal(path);
  const std::string uri = sqlite_uri(path, immutable ? "immutable=1" : "mode=ro");
  StoreContents c;
  c.path = path;
  try {
    Db db(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
    read_all(db, path, c);
  } catch (const DataError& e) {
    throw DataError(with_path(e.what(), uri, path));
  } catch (const Error& e) {
    throw Error(with_path(e.what(), uri, path));
  }
  return c;
}

}  // namespace qrsweep
