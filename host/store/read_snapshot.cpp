// Read-only snapshots of a store that write nothing (see read_snapshot.h).
#include "store/read_snapshot.h"

#include <sys/stat.h>

#include <cctype>
#include <cstdio>

#include "qrsweep/common.h"
#include "store/store_files.h"

namespace qrsweep::store_detail {

namespace {

// An immutable read that a writer keeps disturbing falls back to an ordinary read-only
// connection on the last attempt: SQLite's own locking then keeps it consistent.
constexpr int kAttempts = 4;

// What changes when anyone writes a file, renames over it, or creates or deletes it.
struct FileState {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  struct timespec mtime {};
  struct timespec ctime {};

  bool operator==(const FileState& o) const {
    return exists == o.exists && dev == o.dev && ino == o.ino && size == o.size &&
           mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
  }
  bool operator!=(const FileState& o) const { return !(*this == o); }
};

FileState file_state(const std::string& path) {
  struct stat st {};
  FileState f;
  if (::stat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.size = st.st_size;
  f.mtime = st.st_mtim;
  f.ctime = st.st_ctim;
  return f;
}

// The store and the journals SQLite keeps beside it.
struct StoreFiles {
  FileState db, wal, journal;

  explicit StoreFiles(const std::string& path)
      : db(file_state(path)),
        wal(file_state(path + "-wal")),
        journal(file_state(path + "-journal")) {}
  bool operator==(const StoreFiles& o) const {
    return db == o.db && wal == o.wal && journal == o.journal;
  }
  // Commits in a -wal, or a hot rollback journal: the file alone is not the database.
  bool pending() const { return wal.size > 0 || journal.size > 0; }
};

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

void read_once(const std::string& path, bool immutable, const std::function<void(Db&)>& read) {
  Db db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
        sqlite_uri(path, immutable ? "immutable=1" : "mode=ro"));
  db.exec("BEGIN");  // one snapshot, whatever a writer commits meanwhile
  read(db);
  db.exec("COMMIT");
}

}  // namespace

void read_snapshot(const std::string& path, const std::function<void(Db&)>& read) {
  check_store_files(path, /*writing=*/false);
  for (int attempt = 1;; ++attempt) {
    const StoreFiles before(path);
    if (!before.db.exists) throw Error("no store at " + path);
    if (before.pending() || attempt == kAttempts) return read_once(path, false, read);
    try {
      read_once(path, true, read);
    } catch (const Error&) {
      // A page a checkpoint rewrote mid-read can look damaged: only a stable file's
      // errors are the file's.
      if (StoreFiles(path) == before) throw;
      continue;
    }
    if (StoreFiles(path) == before) return;
  }
}

}  // namespace qrsweep::store_detail
