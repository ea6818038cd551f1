// Which stores a merge reads (merge.h): the merged store already in OUT, then the shard
// stores and stores of every input, each file once.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "qrsweep/common.h"
#include "qrsweep/merge.h"

namespace qrsweep {

namespace {

namespace fs = std::filesystem;

// (i, n) from a file name "shard-<i>-of-<n>.sqlite" (store.h's shard_store_path).
std::optional<std::pair<int, int>> shard_of_name(const std::string& name) {
  const std::string head = "shard-", mid = "-of-", tail = ".sqlite";
  if (name.size() <= head.size() + tail.size() || name.rfind(head, 0) != 0 ||
      name.compare(name.size() - tail.size(), tail.size(), tail) != 0)
    return std::nullopt;
  const std::string core = name.substr(head.size(), name.size() - head.size() - tail.size());
  const size_t m = core.find(mid);
  if (m == std::string::npos) return std::nullopt;
  const std::string i = core.substr(0, m), n = core.substr(m + mid.size());
  auto number = [](const std::string& s) {
    return !s.empty() && s.size() <= 9 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!number(i) || !number(n)) return std::nullopt;
  return std::pair{std::stoi(i), std::stoi(n)};
}

// The files in `folder` named as shard_store_path names shard stores, ordered by shard
// count, then shard index.
std::vector<std::string> shard_files_in(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return {};
  std::vector<std::tuple<int, int, std::string>> found;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const auto shard = shard_of_name(entry.path().filename().string());
    if (!shard || !entry.is_regular_file(ec)) continue;
    found.emplace_back(shard->second, shard->first, entry.path().string());
  }
  if (ec) throw Error("cannot list " + folder.string() + ": " + ec.message());
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(std::get<2>(f));
  return out;
}

// A sweep directory's shard stores (DIR/shards/...), or those of the shards folder itself.
std::vector<std::string> shard_stores_in(const std::string& dir) {
  std::vector<std::string> out =
      shard_files_in(fs::path(shard_store_path(dir, 0, 1)).parent_path());
  if (out.empty()) out = shard_files_in(dir);
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
