// Finding a sweep's store files (see store_sources.h). Only the names store.h gives
// (store_path, shard_store_path) are trusted; everything else comes from the stores.
#include "report/store_sources.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "qrsweep/common.h"
#include "qrsweep/store.h"
#include "qrsweep/sweep.h"

namespace qrsweep::report {
namespace {

namespace fs = std::filesystem;

struct ShardFile {
  std::string path;
  SweepRecord sweep;
};

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

// The shard stores under DIR/shards, by store.h's one rule (shard_store_files): a file
// named as a shard store that cannot be read stops the report as it stops a merge.
std::vector<ShardFile> shard_files(const std::string& dir) {
  std::vector<ShardFile> out;
  const std::string shards = fs::path(shard_store_path(dir, 0, 2)).parent_path().string();
  for (const std::string& path : shard_store_files(shards)) {
    SweepRecord sweep = Store::open(path, /*read_only=*/true)->sweep();
    const SweepIdentity& id = sweep.identity;
    // Only a file whose name is the one store.h gives its own shard counts as a shard.
    if (file_name(shard_store_path(dir, id.shard_index, id.shard_count)) == file_name(path))
      out.push_back({path, std::move(sweep)});
  }
  std::sort(out.begin(), out.end(), [](const ShardFile& a, const ShardFile& b) {
    return a.sweep.identity.shard_index < b.sweep.identity.shard_index;
  });
  return out;
}

std::string shard_list(const std::vector<int>& shards, int count) {
  std::string s;
  for (size_t i = 0; i < shards.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shards[i]) + "/" + std::to_string(count);
  return s;
}

}  // namespace

StoreSources find_store_sources(const std::string& target) {
  std::error_code ec;
  StoreSources out;
  if (fs::is_regular_file(target, ec)) {
    if (!Store::exists(target)) throw Error(target + " is not a qrsweep store");
    out.paths = {target};
    const fs::path parent = fs::path(target).parent_path();
    out.dir = parent.empty() ? "." : parent.string();
    return out;
  }
  if (!fs::is_directory(target, ec)) throw Error("no sweep directory or store at " + target);
  out.dir = target;
  const std::vector<ShardFile> shards = shard_files(target);
  if (Store::exists(store_path(target))) {
    out.paths = {store_path(target)};
    if (!shards.empty())
      out.notes.push_back("read the merged store " + store_path(target) + "; the " +
                          std::to_string(shards.size()) +
                          " shard store(s) beside it were not read: if they changed since "
                          "the merge, `qrsweep merge " +
                          target + "` brings them in");
    return out;
  }
  if (shards.empty())
    throw Error("no qrsweep store in " + target + " (looked for " + store_path(target) + " and " +
                shard_store_path(target, 0, 2) + "-style shard stores)");
  const ShardFile& head = shards.front();
  const SweepIdentity& first = head.sweep.identity;
  // The merge's rule (check_same_sweep), so report and merge refuse the same shards.
  std::vector<StoredSweep> sweeps;
  for (const ShardFile& s : shards) sweeps.push_back({s.path, &s.sweep});
  check_same_sweep(sweeps, "report on one of them by its path");
  std::map<int, std::string> by_index;
  for (const ShardFile& s : shards) {
    if (s.sweep.identity.shard_count != first.shard_count)
      throw ConfigError(
          s.path + " belongs to another sweep than " + head.path + "; what differs (" + head.path +
          " -> " + s.path + "):\n  shard count: " + std::to_string(first.shard_count) + " -> " +
          std::to_string(s.sweep.identity.shard_count) + "\nreport on one of them by its path");
    by_index[s.sweep.identity.shard_index] = s.path;
  }
  std::vector<int> missing;
  for (int i = 0; i < first.shard_count; ++i)
    if (!by_index.count(i)) missing.push_back(i);
  for (const auto& [index, path] : by_index) out.paths.push_back(path);
  out.notes.push_back("no merged store: this report reads the " + std::to_string(out.paths.size()) +
                      " shard stores of " + target + "/shards together; `qrsweep merge " + target +
                      "` merges them and tests the best trial");
  if (!missing.empty())
    out.notes.push_back("shard(s) " + shard_list(missing, first.shard_count) +
                        " have no store yet: their trials are missing from this report");
  return out;
}

}  // namespace qrsweep::report
