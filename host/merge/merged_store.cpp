// Writing the merged store (merge.h): a fresh store built under a temporary name, then
// renamed over the old one, so a reader sees the old merge or the new one, never a mix.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "qrsweep/common.h"
#include "qrsweep/merge.h"

namespace qrsweep {

namespace {

// A database file and the files SQLite keeps beside it.
void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string p = path + suffix;
    if (std::remove(p.c_str()) != 0 && errno != ENOENT)
      throw Error("cannot remove " + p + ": " + std::strerror(errno));
  }
}

}  // namespace

void write_merged_store(const std::string& path, const CombinedSweep& combined,
                        const std::optional<TestRecord>& test) {
  const std::string tmp = path + ".merging";
  remove_database(tmp);  // left by a merge that was killed
  {
    std::unique_ptr<Store> store = Store::create(tmp, combined.sweep, combined.plan);
    for (const auto& [index, record] : combined.finished)
      store->put_trial(record, combined.epochs.at(index));
    if (test) store->put_test(*test);
  }  // closing the last connection checkpoints the WAL into the file and removes it
  // The old store's WAL, if any, belongs to the old file: it must not meet the new one.
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string p = path + suffix;
    if (std::remove(p.c_str()) != 0 && errno != ENOENT)
      throw Error("cannot remove " + p + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw Error("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
}

}  // namespace qrsweep
