// A test-only SQLite VFS named "slow": the default VFS with a sleep before every xSync, so a
// test or a benchmark sees what a slow shared file system (5-50 ms per fsync) does to a
// sweep, and can count the syncs. The store goes through it when QRSWEEP_SQLITE_VFS=slow
// (host/store/sqlite_db.cpp reads that variable; docs/sweep.md).
#pragma once
#include <chrono>
#include <cstdint>

namespace qrsweep::test {

constexpr const char* kSlowVfs = "slow";

// Registers the VFS (once, not as the default); safe to call again and from any thread.
void register_slow_vfs();
// The sleep before each xSync (20 ms until set).
void set_slow_vfs_delay(std::chrono::microseconds delay);
// false: xSync sleeps and returns without syncing (a benchmark's "no disk wait" baseline).
void set_slow_vfs_sync(bool really_sync);
// xSync calls through the VFS so far (every connection, every file, this process).
int64_t slow_vfs_syncs();

// For a child qrsweep (tests/support/slow_vfs_autoload.cpp): registers the VFS with its
// delay from QRSWEEP_SLOW_VFS_MS (milliseconds; 20 when unset).
void register_slow_vfs_from_env();

}  // namespace qrsweep::test
