// Resolving a sweep's space and opening its store: create on the first run, on a resume
// check that the directory holds this very sweep (space, seed, trial count, shard, plan).
#include <filesystem>
#include <sstream>

#include "qrsweep/common.h"
#include "qrsweep/sweep.h"

namespace qrsweep {

namespace {

namespace fs = std::filesystem;

std::string absolute_path(const std::string& p) {
  if (p.empty()) return p;
  return fs::absolute(fs::path(p)).lexically_normal().string();
}

bool same_config(const TrialConfig& a, const TrialConfig& b) {
  return a.index == b.index && a.seed == b.seed && a.structure == b.structure &&
         a.hidden_layers == b.hidden_layers && a.activation == b.activation &&
         a.allow_dropout == b.allow_dropout && a.allow_momentum == b.allow_momentum &&
         a.sizes == b.sizes && a.dropout == b.dropout && a.dropout_rate == b.dropout_rate &&
         a.learning_rate == b.learning_rate && a.momentum == b.momentum &&
         a.batch_size == b.batch_size && a.max_epochs == b.max_epochs && a.patience == b.patience;
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
                                        const Shard& shard, const std::vector<TrialConfig>& plan) {
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
    return Store::create(path, rec, plan);
  }
  auto store = Store::open(path);
  const SweepRecord stored = store->sweep();
  const std::string dir = directory_of(path);
  if (stored.identity.space_toml != space_toml) {
    SearchSpace old;
    try {
      old = parse_space_text(stored.identity.space_toml, path + " (its stored space)");
    } catch (const ConfigError& e) {
      throw ConfigError(dir + " holds a sweep whose space this qrsweep cannot read (" + e.what() +
                        "); use another --out directory");
    }
    const std::vector<std::string> diffs = diff_spaces(old, space);
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
  const std::vector<TrialRecord> rows = store->trials();
  size_t first = 0;
  while (first < plan.size() && first < rows.size() && same_config(rows[first].config, plan[first]))
    ++first;
  if (first != plan.size() || rows.size() != plan.size())
    throw Error(path +
                ": the stored trials differ from this qrsweep's plan for the same "
                "space" +
                (first < plan.size() ? " (first at plan row " + std::to_string(first) + ")"
                                     : std::string()) +
                "; the sampler changed since the sweep began (stored by qrsweep " +
                stored.program_version + "): finish it with that version or start anew");
  return store;
}

}  // namespace qrsweep
