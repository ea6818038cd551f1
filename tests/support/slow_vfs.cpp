// The "slow" VFS (slow_vfs.h): a shim over the default VFS. Each file it opens is the
// default VFS's file placed right after a small header that points to it; every method
// forwards to that file, xSync after the configured sleep.
#include "support/slow_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace qrsweep::test {

namespace {

std::atomic<int64_t> g_delay_us{20000};
std::atomic<bool> g_sync{true};
std::atomic<int64_t> g_syncs{0};
sqlite3_vfs* g_root = nullptr;  // the default VFS it wraps
sqlite3_vfs g_vfs;

struct SlowFile {
  sqlite3_file base;
  sqlite3_file* real;  // the default VFS's file, in the same allocation
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<SlowFile*>(f)->real; }
const sqlite3_io_methods* m(sqlite3_file* f) { return real(f)->pMethods; }

int x_close(sqlite3_file* f) { return m(f)->xClose(real(f)); }
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return m(f)->xRead(real(f), buf, n, off);
}
int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return m(f)->xWrite(real(f), buf, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return m(f)->xTruncate(real(f), size); }
int x_sync(sqlite3_file* f, int flags) {
  ++g_syncs;
  const int64_t us = g_delay_us.load();
  if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
  return g_sync.load() ? m(f)->xSync(real(f), flags) : SQLITE_OK;
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return m(f)->xFileSize(real(f), size); }
int x_lock(sqlite3_file* f, int lock) { return m(f)->xLock(real(f), lock); }
int x_unlock(sqlite3_file* f, int lock) { return m(f)->xUnlock(real(f), lock); }
int x_check_reserved(sqlite3_file* f, int* out) { return m(f)->xCheckReservedLock(real(f), out); }
int x_file_control(sqlite3_file* f, int op, void* arg) {
  return m(f)->xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return m(f)->xSectorSize(real(f)); }
int x_device(sqlite3_file* f) { return m(f)->xDeviceCharacteristics(real(f)); }
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  if (m(f)->iVersion < 2) return SQLITE_IOERR;
  return m(f)->xShmMap(real(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  if (m(f)->iVersion < 2) return SQLITE_IOERR;
  return m(f)->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) {
  if (m(f)->iVersion >= 2) m(f)->xShmBarrier(real(f));
}
int x_shm_unmap(sqlite3_file* f, int del) {
  if (m(f)->iVersion < 2) return SQLITE_OK;
  return m(f)->xShmUnmap(real(f), del);
}
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  if (m(f)->iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return m(f)->xFetch(real(f), off, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  if (m(f)->iVersion < 3) return SQLITE_OK;
  return m(f)->xUnfetch(real(f), off, p);
}

sqlite3_io_methods make_methods() {
  sqlite3_io_methods io{};
  io.iVersion = 3;
  io.xClose = x_close;
  io.xRead = x_read;
  io.xWrite = x_write;
  io.xTruncate = x_truncate;
  io.xSync = x_sync;
  io.xFileSize = x_file_size;
  io.xLock = x_lock;
  io.xUnlock = x_unlock;
  io.xCheckReservedLock = x_check_reserved;
  io.xFileControl = x_file_control;
  io.xSectorSize = x_sector_size;
  io.xDeviceCharacteristics = x_device;
  io.xShmMap = x_shm_map;
  io.xShmLock = x_shm_lock;
  io.xShmBarrier = x_shm_barrier;
  io.xShmUnmap = x_shm_unmap;
  io.xFetch = x_fetch;
  io.xUnfetch = x_unfetch;
  return io;
}
const sqlite3_io_methods kMethods = make_methods();

int v_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  SlowFile* p = reinterpret_cast<SlowFile*>(f);
  p->real = reinterpret_cast<sqlite3_file*>(p + 1);
  p->real->pMethods = nullptr;
  const int rc = g_root->xOpen(g_root, name, p->real, flags, out_flags);
  p->base.pMethods = p->real->pMethods ? &kMethods : nullptr;
  return rc;
}
int v_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_root->xDelete(g_root, name, sync_dir);
}
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_root->xAccess(g_root, name, flags, out);
}
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_root->xFullPathname(g_root, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) { return g_root->xDlOpen(g_root, name); }
void v_dl_error(sqlite3_vfs*, int n, char* out) { g_root->xDlError(g_root, n, out); }
void (*v_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return g_root->xDlSym(g_root, h, sym);
}
void v_dl_close(sqlite3_vfs*, void* h) { g_root->xDlClose(g_root, h); }
int v_randomness(sqlite3_vfs*, int n, char* out) { return g_root->xRandomness(g_root, n, out); }
int v_sleep(sqlite3_vfs*, int us) { return g_root->xSleep(g_root, us); }
int v_current_time(sqlite3_vfs*, double* out) { return g_root->xCurrentTime(g_root, out); }
int v_last_error(sqlite3_vfs*, int n, char* out) { return g_root->xGetLastError(g_root, n, out); }
int v_current_time64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_root->xCurrentTimeInt64(g_root, out);
}

}  // namespace

void register_slow_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sqlite3_initialize() != SQLITE_OK) throw std::runtime_error("sqlite3_initialize failed");
    g_root = sqlite3_vfs_find(nullptr);
    if (!g_root || g_root->iVersion < 2)
      throw std::runtime_error("the default SQLite VFS is too old to wrap");
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(sizeof(SlowFile)) + g_root->szOsFile;
    g_vfs.mxPathname = g_root->mxPathname;
    g_vfs.zName = kSlowVfs;
    g_vfs.xOpen = v_open;
    g_vfs.xDelete = v_delete;
    g_vfs.xAccess = v_access;
    g_vfs.xFullPathname = v_full_pathname;
    g_vfs.xDlOpen = v_dl_open;
    g_vfs.xDlError = v_dl_error;
    g_vfs.xDlSym = v_dl_sym;
    g_vfs.xDlClose = v_dl_close;
    g_vfs.xRandomness = v_randomness;
    g_vfs.xSleep = v_sleep;
    g_vfs.xCurrentTime = v_current_time;
    g_vfs.xGetLastError = v_last_error;
    g_vfs.xCurrentTimeInt64 = v_current_time64;
    if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK)
      throw std::runtime_error("cannot register the slow SQLite VFS");
  });
}

void set_slow_vfs_delay(std::chrono::microseconds delay) { g_delay_us = delay.count(); }

void set_slow_vfs_sync(bool really_sync) { g_sync = really_sync; }

int64_t slow_vfs_syncs() { return g_syncs.load(); }

void register_slow_vfs_from_env() {
  const char* ms = std::getenv("QRSWEEP_SLOW_VFS_MS");
  if (ms && *ms) set_slow_vfs_delay(std::chrono::microseconds(std::atoll(ms) * 1000));
  register_slow_vfs();
}

}  // namespace qrsweep::test
