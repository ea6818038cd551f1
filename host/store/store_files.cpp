// A store's files are regular files (see store_files.h).
#include "store/store_files.h"

#include <sys/stat.h>

#include "qrsweep/common.h"

namespace qrsweep {

void check_store_files(const std::string& store_path, bool writing) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (!writing && !*suffix) continue;
    const std::string file = store_path + suffix;
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0 || S_ISREG(st.st_mode)) continue;
    throw Error("cannot use the store " + store_path + ": " + file + " is " +
                (S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file") +
                "; a store's files must be regular files (remove it)");
  }
}

}  // namespace qrsweep
