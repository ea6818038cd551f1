// Resolving a sweep's space and opening its store: create on the first run, on a resume
// check that the directory holds this very sweep (space, seed, trial count, shard, plan).
#include <filesystem>
#include <sstream>

#include "qrsweep/common.h"
#include "qrsweep/sampler.h"
#include "qrsweep/sweep.h"

namespace qrsweep {

namespace {

namespace fs = std::filesystem;

std::string absolute_path(const std::string& p) {
  if (p.empty()) return p;
  return fs::absolute(fs::path(p)).lexically_normal().string();
}

std::string directory_of(const std::string& store_file) {
  return fs::path(store_file).parent_path().string();
}

}  // namespace

SearchSpace resolve_space(const SweepOptions& o) {
  SearchSpace s = parse_space_file(o.space_path);
  if (o.trials) s.trials = *o.trials;
  if (o.seed) s.seed = *o.seed;
  if (!o.data_dir.empty()) s.data.dir = o.data_dir;
  // Relative data paths mean "from where qrsweep runs": pin them, so a resume started
  // elsewhere reads the same files (or is told the space differs).
  s.data.dir = absolute_path(s.data.dir);
  s.data.train_csv = absolute_path(s.data.train_csv);
  s.data.test_csv = absolute_path(s.data.test_csv);
  validate_space(s, o.space_path + " with the command-line overrides");
  return s;
}

std::unique_ptr<Store> open_sweep_store(const std::string& path, const SearchSpace& space,
                                        const Shard& shard, const std::vector<TrialConfig>& plan,
                                        const std::optional<DataIdentity>& data) {
  const std::string space_toml = to_toml(space);
  if (!Store::exists(path)) {
    std::error_code ec;
    fs::create_directories(directory_of(path), ec);
    if (ec) throw Error("cannot create " + directory_of(path) + ": " + ec.message());
    SweepRecord rec;
    rec.identity = SweepIdentity{space_toml, shard.index, shard.count};
    rec.seed = space.seed;
    rec.trials = space.trials;
    rec.program_version = QRSWEEP_VERSION;
    rec.plan_version = kPlanFormatVersion;
    rec.data = data;
    return Store::create(path, rec, plan);
  }
  auto store = Store::open(path);
  const SweepRecord stored = store->sweep();
  const std::string dir = directory_of(path);
  if (stored.identity.space_toml != space_toml) {
    const std::vector<std::string> diffs = diff_spaces(stored_space(path, stored), space);
    if (!diffs.empty()) {
      std::ostringstream m;
      m << dir << " holds another sweep; what differs (stored -> given):";
      for (const auto& d : diffs) m << "\n  " << d;
      m << "\nresume it with the same space, seed and trial count, or choose another --out "
           "directory";
      throw ConfigError(m.str());
    }
  }
  if (stored.identity.shard_index != shard.index || stored.identity.shard_count != shard.count)
    throw ConfigError(path + " holds shard " + std::to_string(stored.identity.shard_index) + "/" +
                      std::to_string(stored.identity.shard_count) + ", not shard " +
                      std::to_string(shard.index) + "/" + std::to_string(shard.count));
  check_plan_rows(path, stored, store->trials(), plan, /*every_row=*/true);
  if (data) check_sweep_data(*store, *data);
  return store;
}

}  // namespace qrsweep
