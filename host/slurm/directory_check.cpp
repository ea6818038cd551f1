// Refusing a sweep directory that holds another sweep (slurm.h) before any job is submitted,
// rather than in every array task; the stores are read as a merge reads them.
#include <filesystem>
#include <sstream>

#include "qrsweep/common.h"
#include "qrsweep/merge.h"
#include "qrsweep/slurm.h"

namespace qrsweep {

namespace {

void refuse_other_sweep(const std::string& path, const SearchSpace& space) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) == 0)
    return;
  const StoreContents stored = read_store_contents(path);
  if (stored.sweep.identity.space_toml == to_toml(space)) return;
  const std::vector<std::string> diffs =
      diff_spaces(parse_space_text(stored.sweep.identity.space_toml, path), space);
  if (diffs.empty()) return;
  std::ostringstream m;
  m << path << " holds another sweep; what differs (stored -> given):";
  for (const std::string& d : diffs) m << "\n  " << d;
  m << "\nuse the same space, seed and trial count, or choose another --out directory";
  throw ConfigError(m.str());
}

}  // namespace

void check_sweep_directory(const std::string& out_dir, const SearchSpace& space, int shards) {
  refuse_other_sweep(store_path(out_dir), space);
  for (int i = 0; i < shards; ++i) refuse_other_sweep(shard_store_path(out_dir, i, shards), space);
}

}  // namespace qrsweep
