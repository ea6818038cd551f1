// Which store files a report reads: the sweep directory's store (a whole sweep, or the
// merge of its shards), else every shard store of one sharded sweep, else the file named.
#pragma once
#include <string>
#include <vector>

namespace qrsweep::report {

struct StoreSources {
  std::vector<std::string> paths;  // the stores to read together, shard order
  std::vector<std::string> notes;  // what the reader should know (shards missing, ...)
  std::string dir;                 // where the report goes by default
};

// `target` is a sweep directory or a store file. In a directory, store_path(dir) wins
// when it holds a store (the stores under shards/ are then not read, and a note says so);
// otherwise every file under shards/ named shard_store_path(dir, i, n) for the shard
// (i, n) its own sweep table records is read, and shards without a store are named in a
// note. Throws Error when nothing there is a qrsweep store, DataError when a shard store
// cannot be read (as a merge does), ConfigError when the shard stores belong to different
// sweeps (sweep_differences, as a merge).
StoreSources find_store_sources(const std::string& target);

}  // namespace qrsweep::report
