// Reading a store without writing anything: no -wal or -shm file created beside it, no
// byte of it changed, a read-only directory or medium is enough. For export, report,
// merge and every read-only Store.
#pragma once
#include <functional>
#include <string>

#include "store/sqlite_db.h"

namespace qrsweep::store_detail {

// Runs `read` in one read transaction (one consistent snapshot) on a read-only connection
// to the store at `path`, and returns once a run succeeded; `read` may run more than once.
//
// A WAL database opened read-only the ordinary way creates its -wal and -shm when they
// are missing (and cannot be opened at all where they cannot be created). So:
// - when no committed transaction waits in a -wal (nor a hot -journal), the file itself
//   holds everything committed and is opened immutable, which creates and locks nothing;
//   since a writer may start meanwhile, the file's and the -wal's state (inode, size,
//   times) are compared before and after, and the read runs again when they changed;
// - when a -wal holds commits (a sweep is writing, or was killed), an ordinary read-only
//   connection reads them too, through the -wal and -shm that are already there (only a
//   -shm missing beside such a -wal, e.g. a copied store, is created: SQLite needs one).
// Throws what `read` throws, Error naming `path` when it cannot be opened.
void read_snapshot(const std::string& path, const std::function<void(Db&)>& read);

}  // namespace qrsweep::store_detail
