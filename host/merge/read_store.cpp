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
  {
    Statement s(db,
                "SELECT space_toml, shard_index, shard_count, seed, trials, program_version, "
                "host, machine, backend, device, created_at, updated_at, wall_seconds "
                "FROM sweep WHERE id = 1");
    if (!s.step()) throw DataError(path + " is damaged: its sweep table has no row");
    SweepRecord& r = c.sweep;
    r.identity.space_toml = s.text(0);
    r.identity.shard_index = static_cast<int>(s.integer(1));
    r.identity.shard_count = static_cast<int>(s.integer(2));
    r.seed = static_cast<uint64_t>(s.integer(3));
    r.trials = static_cast<int>(s.integer(4));
    r.program_version = s.text(5);
    r.host = s.text(6);
    r.machine = s.text(7);
    r.backend = s.text(8);
    r.device = s.text(9);
    r.created_at = s.text(10);
    r.updated_at = s.text(11);
    r.wall_seconds = s.real(12);
  }
  {
    Statement s(
        db, std::string("SELECT ") + store_detail::kTrialColumns + " FROM trials ORDER BY trial");
    while (s.step()) c.trials.push_back(store_detail::read_trial(s, path));
  }
  {
    Statement s(db,
                "SELECT epoch, loss, accuracy, val_loss, val_accuracy, seconds FROM epochs "
                "WHERE trial = ? ORDER BY epoch");
    for (const TrialRecord& t : c.trials) {
      if (!is_finished(t.status)) continue;
      s.reset();
      s.bind(1, t.config.index);
      std::vector<EpochMetrics>& out = c.epochs[t.config.index];
      while (s.step()) {
        EpochMetrics m;
        m.epoch = static_cast<int>(s.integer(0));
        m.loss = s.real(1);
        m.accuracy = s.real(2);
        m.val_loss = s.real(3);
        m.val_accuracy = s.real(4);
        m.seconds = s.real(5);
        out.push_back(m);
      }
    }
  }
  {
    Statement s(db,
                "SELECT trial, retrain_epochs, test_loss, test_accuracy, weights_path, "
                "config_path, seconds, backend, finished_at FROM best WHERE id = 1");
    if (s.step()) {
      TestRecord t;
      t.trial = static_cast<int>(s.integer(0));
      t.retrain_epochs = static_cast<int>(s.integer(1));
      t.test_loss = s.real(2);
      t.test_accuracy = s.real(3);
      t.weights_path = s.text(4);
      t.config_path = s.text(5);
      t.seconds = s.real(6);
      t.backend = s.text(7);
      t.finished_at = s.text(8);
      c.test = t;
    }
  }
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
