// make_plan: the notebook's QRSearch (docs/semantics.md#search) without the training loop. The
// categorical lists span the whole sweep (a balanced list cannot be drawn row by row),
// while every continuous value is computed from its row's position in its family, so a
// shard computes only its own rows' points.
#include <algorithm>
#include <memory>
#include <string>

#include "qrsweep/common.h"
#include "qrsweep/sampler.h"
#include "qrsweep/sobol.h"
#include "sampler/sampler_streams.h"

namespace qrsweep {

namespace {

using namespace detail;

// Where the points in [0, 1) of each family come from: position `pos` of family `f`,
// coordinate `dim`. Positions count the family's trials in index order.
class PointSource {
 public:
  virtual ~PointSource() = default;
  virtual double u(int family, uint32_t pos, int dim) const = 0;
};

int family_dims(int family) {
  if (family == kFamilyAllTrials) return 2;
  if (family == kFamilySizeRandom) return kMaxHiddenLayers;
  return 1;
}

class SobolPoints : public PointSource {
 public:
  explicit SobolPoints(uint64_t seed) {
    for (int f = 0; f < kFamilyCount; ++f)
      seqs_.push_back(SobolSequence::scrambled(family_dims(f), seed, kStreamFamily + f));
  }
  double u(int family, uint32_t pos, int dim) const override { return seqs_[family].at(pos, dim); }

 private:
  std::vector<SobolSequence> seqs_;
};

class RandomPoints : public PointSource {
 public:
  explicit RandomPoints(uint64_t seed) : seed_(seed) {}
  double u(int family, uint32_t pos, int dim) const override {
    PhiloxStream s = sampler_stream(seed_, kStreamFamily + family + kStreamRandomOffset);
    uint64_t w = 2 * (static_cast<uint64_t>(pos) * family_dims(family) + dim);
    return uniform01_53(s.word(w), s.word(w + 1));
  }

 private:
  uint64_t seed_;
};

// The notebook's 10-entry structure list: 1/5 uniform, 1/5 ascending, 1/5 descending,
// 2/5 random.
constexpr Structure kStructureList[10] = {Structure::kUniform,       Structure::kUniform,
                                          Structure::kAscendingMin,  Structure::kAscendingMax,
                                          Structure::kDescendingMin, Structure::kDescendingMax,
                                          Structure::kRandom,        Structure::kRandom,
                                          Structure::kRandom,        Structure::kRandom};

int size_family(Structure s) {
  switch (s) {
    case Structure::kUniform:
      return kFamilySizeUniform;
    case Structure::kAscendingMin:
      return kFamilySizeAscendingMin;
    case Structure::kAscendingMax:
      return kFamilySizeAscendingMax;
    case Structure::kDescendingMin:
      return kFamilySizeDescendingMin;
    case Structure::kDescendingMax:
      return kFamilySizeDescendingMax;
    default:
      return kFamilySizeRandom;
  }
}

// Every categorical column of the sweep: docs/semantics.md#forced-diversification, including the
// deliberate deviation that a trial without "Allow dropout" has no dropout flag at all.
std::vector<TrialConfig> categorical_plan(const SearchSpace& space) {
  const int n = space.trials;
  const uint64_t seed = space.seed;
  auto list = [&](int items, int len, uint32_t stream) {
    return balanced_list(items, len, sampler_stream(seed, stream));
  };
  std::vector<int> structure = list(10, n, kStreamStructure);
  std::vector<int> layers = list(4, n, kStreamLayers);
  std::vector<int> activation =
      list(static_cast<int>(space.activations.size()), n, kStreamActivation);
  std::vector<int> allow_dropout = list(4, n, kStreamAllowDropout);    // [F, T, T, T]
  std::vector<int> allow_momentum = list(4, n, kStreamAllowMomentum);  // [F, T, T, T]

  std::vector<TrialConfig> plan(n);
  for (int i = 0; i < n; ++i) {
    TrialConfig& t = plan[i];
    t.index = i;
    t.seed = seed;
    t.structure = kStructureList[structure[i]];
    t.hidden_layers = 2 + layers[i];
    t.activation = space.activations[activation[i]];
    t.allow_dropout = allow_dropout[i] != 0;
    t.allow_momentum = allow_momentum[i] != 0;
    t.max_epochs = space.max_epochs;
    t.patience = space.patience;
    t.learning_rate = 0.0;
    t.momentum = 0.0;
    t.batch_size = 0;
  }
  // D1, D2 over every trial; D3..D5 over the trials that have the layer, in index order
  // (the notebook's index subsets).
  for (int k = 0; k < kMaxHiddenLayers; ++k) {
    std::vector<int> members;
    for (int i = 0; i < n; ++i)
      if (plan[i].hidden_layers > k) members.push_back(i);
    std::vector<int> flags =
        list(2, static_cast<int>(members.size()), kStreamDropoutFlag + k);  // [F, T]
    for (size_t j = 0; j < members.size(); ++j) {
      TrialConfig& t = plan[members[j]];
      t.dropout[k] = flags[j] != 0 && t.allow_dropout;
    }
  }
  return plan;
}

void fill_continuous(const SearchSpace& space, const PointSource& points, TrialConfig* t,
                     const uint32_t (&pos)[kFamilyCount]) {
  t->learning_rate = space.learning_rate.at(points.u(kFamilyAllTrials, pos[kFamilyAllTrials], 0));
  int bs =
      round_half_even(space.batch_size.at(points.u(kFamilyAllTrials, pos[kFamilyAllTrials], 1)));
  t->batch_size = std::max(bs, 1);
  if (t->allow_momentum)
    t->momentum = space.momentum.at(points.u(kFamilyMomentum, pos[kFamilyMomentum], 0));
  for (int k = 0; k < kMaxHiddenLayers; ++k)
    if (t->dropout[k]) {
      int f = kFamilyDropoutRate1 + k;
      t->dropout_rate[k] = space.dropout_rate.at(points.u(f, pos[f], 0));
    }
  int f = size_family(t->structure);
  std::array<double, kMaxHiddenLayers> seeds{};
  for (int d = 0; d < family_dims(f); ++d) seeds[d] = space.layer_size.at(points.u(f, pos[f], d));
  t->sizes = layer_sizes(t->structure, t->hidden_layers, seeds);
  if (space.clamp_layer_sizes) {
    int lo = std::max(round_half_even(space.layer_size.low), 1);
    int hi = std::max(round_half_even(space.layer_size.high), lo);
    for (int k = 0; k < t->hidden_layers; ++k) t->sizes[k] = std::clamp(t->sizes[k], lo, hi);
  }
}

// Walks the whole sweep in index order, advancing every family's position, and
// fills the continuous values of the rows `keep` selects.
template <typename Keep>
std::vector<TrialConfig> build(const SearchSpace& space, Keep keep) {
  validate_space(space, "search space");
  std::vector<TrialConfig> plan = categorical_plan(space);
  std::unique_ptr<PointSource> points;
  if (space.sampler == SamplerKind::kSobol)
    points = std::make_unique<SobolPoints>(space.seed);
  else
    points = std::make_unique<RandomPoints>(space.seed);
  std::vector<TrialConfig> rows;
  uint32_t pos[kFamilyCount] = {};
  for (TrialConfig& t : plan) {
    if (keep(t.index)) {
      fill_continuous(space, *points, &t, pos);
      rows.push_back(t);
    }
    ++pos[kFamilyAllTrials];
    if (t.allow_momentum) ++pos[kFamilyMomentum];
    for (int k = 0; k < kMaxHiddenLayers; ++k)
      if (t.dropout[k]) ++pos[kFamilyDropoutRate1 + k];
    ++pos[size_family(t.structure)];
  }
  return rows;
}

}  // namespace

std::vector<TrialConfig> make_plan(const SearchSpace& space) {
  return build(space, [](int) { return true; });
}

std::vector<TrialConfig> make_plan_rows(const SearchSpace& space, int shard_index,
                                        int shard_count) {
  if (shard_count < 1 || shard_index < 0 || shard_index >= shard_count)
    throw ConfigError("shard " + std::to_string(shard_index) + "/" + std::to_string(shard_count) +
                      ": expected 0 <= index < count");
  // Halving decides within cohorts: a shard takes whole cohorts (cohort c: shard c % n; the
  // full schedule's cohorts are single trials).
  return build(space, [&](int i) {
    return cohort_of(space.schedule, space.max_epochs, space.trials, i).number % shard_count ==
           shard_index;
  });
}

}  // namespace qrsweep
