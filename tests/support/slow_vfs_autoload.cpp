// Linked into qrsweep_slow_vfs (the CLI for the tests on a slow file system) only: the slow
// VFS is registered before main, so QRSWEEP_SQLITE_VFS=slow selects it.
#include "support/slow_vfs.h"

namespace {
[[maybe_unused]] const bool registered = [] {
  qrsweep::test::register_slow_vfs_from_env();
  return true;
}();
}  // namespace
