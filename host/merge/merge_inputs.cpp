// Which stores a merge reads (merge.h): the merged store already in OUT, then the shard
// stores and stores of every input, each file once.
#include <filesystem>
#include <set>

#include "qrsweep/common.h"
#include "qrsweep/merge.h"

namespace qrsweep {

namespace {

namespace fs = std::filesystem;

// A sweep directory's shard stores (DIR/shards/...), or those of the shards folder itself.
std::vector<std::string> shard_stores_in(const std::string& dir) {
  std::vector<std::string> out =
      shard_store_files(fs::path(shard_store_path(dir, 0, 1)).parent_path().string());
  if (out.empty()) out = shard_store_files(dir);
  return out;
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  return ec ? path : p.string();
}

}  // namespace

std::vector<std::string> merge_inputs(const MergeOptions& o) {
  if (o.out_dir.empty()) throw ConfigError("merge: the output directory is required");
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const std::string& path) {
    if (seen.insert(canonical(path)).second) out.push_back(path);
  };
  if (Store::exists(store_path(o.out_dir))) add(store_path(o.out_dir));
  const std::vector<std::string> inputs =
      o.inputs.empty() ? std::vector<std::string>{o.out_dir} : o.inputs;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      const std::vector<std::string> shards = shard_stores_in(in);
      const bool has_store = Store::exists(store_path(in));
      if (shards.empty() && !has_store)
        throw ConfigError(in + " holds no shard stores (" + shard_store_path(in, 0, 2) +
                          ", ...) and no " + store_path(in) + ": nothing to merge");
      for (const std::string& s : shards) add(s);
      if (has_store) add(store_path(in));
    } else if (fs::is_regular_file(in, ec)) {
      add(in);
    } else {
      throw ConfigError(in + " does not exist (give shard store files or sweep directories)");
    }
  }
  return out;
}

}  // namespace qrsweep
