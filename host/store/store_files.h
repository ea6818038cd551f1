// The rule for a store's files in a directory others may write: the store and SQLite's
// files beside it (-wal, -shm, -journal) are each absent or a regular file, never a
// symlink. SQLite follows symlinks when it opens them and may create, write or truncate
// what they point at; a reader opening the -shm of a write-ahead log can truncate it.
#pragma once
#include <string>

namespace qrsweep {

// Throws Error naming the file that is a symlink or not a regular file. Called by every
// writer once it holds the store's lock (sweep/store_lock.h) and by every reader
// (store/read_snapshot.h) before SQLite opens anything. A reader, which never writes the
// store itself, may reach it through a symlink (`writing` false); SQLite's files beside it
// are checked either way.
void check_store_files(const std::string& store_path, bool writing);

}  // namespace qrsweep
