// Finding shard stores by name (store.h): the one rule by which merge and report decide
// which files of a folder are shard stores.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <tuple>
#include <utility>

#include "qrsweep/common.h"
#include "qrsweep/store.h"

namespace qrsweep {

namespace {

namespace fs = std::filesystem;

// (i, n) from a file name "shard-<i>-of-<n>.sqlite" (shard_store_path).
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

}  // namespace

std::vector<std::string> shard_store_files(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return {};
  std::vector<std::tuple<int, int, std::string>> found;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const auto shard = shard_of_name(entry.path().filename().string());
    if (!shard || !entry.is_regular_file(ec)) continue;
    // Empty: a shard whose store creation never committed (its sweep reuses the file).
    if (entry.file_size(ec) == 0 && !ec) continue;
    found.emplace_back(shard->second, shard->first, entry.path().string());
  }
  if (ec) throw Error("cannot list " + folder + ": " + ec.message());
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (const auto& f : found) out.push_back(std::get<2>(f));
  return out;
}

}  // namespace qrsweep
