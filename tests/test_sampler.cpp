// The plan (docs/semantics.md#search): balanced lists, forced diversification, the layer-size
// rules, the subset low-discrepancy property, determinism, shards and the random sampler.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/discrepancy.h"
#include "qrsweep/philox.h"
#include "qrsweep/sampler.h"
#include "qrsweep/sobol.h"
#include "qrsweep/space.h"
#include "sampler/sampler_streams.h"

namespace qrsweep {
namespace {

using Sizes = std::array<int, kMaxHiddenLayers>;

void expect_same(const TrialConfig& a, const TrialConfig& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.structure, b.structure) << a.index;
  EXPECT_EQ(a.hidden_layers, b.hidden_layers) << a.index;
  EXPECT_EQ(a.activation, b.activation) << a.index;
  EXPECT_EQ(a.allow_dropout, b.allow_dropout) << a.index;
  EXPECT_EQ(a.allow_momentum, b.allow_momentum) << a.index;
  EXPECT_EQ(a.sizes, b.sizes) << a.index;
  EXPECT_EQ(a.dropout, b.dropout) << a.index;
  EXPECT_EQ(a.dropout_rate, b.dropout_rate) << a.index;
  EXPECT_EQ(a.learning_rate, b.learning_rate) << a.index;
  EXPECT_EQ(a.momentum, b.momentum) << a.index;
  EXPECT_EQ(a.batch_size, b.batch_size) << a.index;
  EXPECT_EQ(a.max_epochs, b.max_epochs);
  EXPECT_EQ(a.patience, b.patience);
}

// Points in [0, 1)^d of the pseudo-random kind, row-major, for the discrepancy comparisons.
std::vector<double> random_points(size_t count, uint64_t seed) {
  PhiloxStream s{seed, 0, 0x55u};
  std::vector<double> p(count);
  for (size_t i = 0; i < count; ++i) p[i] = uniform01_53(s.word(2 * i), s.word(2 * i + 1));
  return p;
}

// The mean discrepancy of `draws` pseudo-random sets of n points in d dimensions: one
// draw scatters too much (a factor of 2 either way) to compare against.
double random_discrepancy(size_t n, int d, uint64_t seed, int draws = 32) {
  double sum = 0;
  for (int r = 0; r < draws; ++r)
    sum += centered_discrepancy_sq(random_points(n * d, seed * 1000 + r), d);
  return sum / draws;
}

// ---- balanced lists ----------------------------------------------------------------

TEST(BalancedList, EveryItemWithinOneOfItsShare) {
  for (int items : {1, 2, 3, 4, 10}) {
    for (int n : {0, 1, 7, 12, 99, 300, 303}) {
      PhiloxStream s{static_cast<uint64_t>(items * 1000 + n), 0, 9};
      std::vector<int> list = balanced_list(items, n, s);
      ASSERT_EQ(static_cast<int>(list.size()), n);
      std::vector<int> count(items, 0);
      for (int v : list) {
        ASSERT_GE(v, 0);
        ASSERT_LT(v, items);
        ++count[v];
      }
      for (int k = 0; k < items; ++k) {
        EXPECT_GE(count[k], n / items) << items << " items, n " << n;
        EXPECT_LE(count[k], n / items + 1) << items << " items, n " << n;
      }
    }
  }
}

TEST(BalancedList, ShuffledDeterministicAndStreamDependent) {
  PhiloxStream a{1, 0, 1}, b{1, 0, 2};
  std::vector<int> la = balanced_list(4, 300, a);
  EXPECT_EQ(la, balanced_list(4, 300, a));
  EXPECT_NE(la, balanced_list(4, 300, b));
  std::vector<int> sorted = la;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NE(la, sorted);  // shuffled, not in copy order
  EXPECT_THROW(balanced_list(0, 5, a), ConfigError);
}

// ---- layer sizes -------------------------------------------------------------------

TEST(LayerSizes, RoundHalfToEvenAsPython) {
  EXPECT_EQ(round_half_even(0.5), 0);
  EXPECT_EQ(round_half_even(1.5), 2);
  EXPECT_EQ(round_half_even(2.5), 2);
  EXPECT_EQ(round_half_even(162.5), 162);
  EXPECT_EQ(round_half_even(162.6), 163);
  EXPECT_EQ(round_half_even(2.4999), 2);
  EXPECT_EQ(round_half_even(7.0), 7);
}

TEST(LayerSizes, EachFamilyOnHandPickedSeeds) {
  auto one = [](double s) { return std::array<double, kMaxHiddenLayers>{s, 0, 0, 0, 0}; };
  // Uniform: every layer round(s).
  EXPECT_EQ(layer_sizes(Structure::kUniform, 3, one(100.4)), (Sizes{100, 100, 100, 0, 0}));
  // Ascending min: round(s) * k, s the smallest.
  EXPECT_EQ(layer_sizes(Structure::kAscendingMin, 5, one(20.6)), (Sizes{21, 42, 63, 84, 105}));
  // Descending max: round(s / k), s the largest.
  EXPECT_EQ(layer_sizes(Structure::kDescendingMax, 4, one(1000)), (Sizes{1000, 500, 333, 250, 0}));
  // Ascending max: the last layer round(s), the one before round(s / 2), ... The
  // notebook's best trial (docs/semantics.md#notebook): 2 layers, 163 and 325.
  EXPECT_EQ(layer_sizes(Structure::kAscendingMax, 2, one(325.2)), (Sizes{163, 325, 0, 0, 0}));
  EXPECT_EQ(layer_sizes(Structure::kAscendingMax, 4, one(1200)), (Sizes{300, 400, 600, 1200, 0}));
  // Descending min: the last layer round(s), the one before round(s) * 2, ...
  EXPECT_EQ(layer_sizes(Structure::kDescendingMin, 3, one(20.2)), (Sizes{60, 40, 20, 0, 0}));
  // Random: each layer its own coordinate; the unused ones do not leak.
  EXPECT_EQ(layer_sizes(Structure::kRandom, 3, {20.5, 21.5, 1499.9, 3, 4}),
            (Sizes{20, 22, 1500, 0, 0}));
  // Never below 1.
  EXPECT_EQ(layer_sizes(Structure::kDescendingMax, 5, one(1.2)), (Sizes{1, 1, 1, 1, 1}));
  EXPECT_EQ(layer_sizes(Structure::kAscendingMax, 3, one(1.0)), (Sizes{1, 1, 1, 0, 0}));
  EXPECT_THROW(layer_sizes(Structure::kGiven, 2, one(5)), ConfigError);
  EXPECT_THROW(layer_sizes(Structure::kUniform, 6, one(5)), ConfigError);
}

// ---- the plan ----------------------------------------------------------------------

TEST(Plan, NotebookPresetProportions) {
  SearchSpace space;  // 300 trials: every balanced list divides evenly
  std::vector<TrialConfig> plan = make_plan(space);
  ASSERT_EQ(plan.size(), 300u);
  std::map<Structure, int> structure;
  std::map<int, int> layers;
  std::map<Activation, int> act;
  int allow_do = 0, allow_mom = 0;
  for (const TrialConfig& t : plan) {
    ++structure[t.structure];
    ++layers[t.hidden_layers];
    ++act[t.activation];
    allow_do += t.allow_dropout;
    allow_mom += t.allow_momentum;
  }
  EXPECT_EQ(structure[Structure::kUniform], 60);
  EXPECT_EQ(structure[Structure::kAscendingMin], 30);
  EXPECT_EQ(structure[Structure::kAscendingMax], 30);
  EXPECT_EQ(structure[Structure::kDescendingMin], 30);
  EXPECT_EQ(structure[Structure::kDescendingMax], 30);
  EXPECT_EQ(structure[Structure::kRandom], 120);
  for (int l = 2; l <= 5; ++l) EXPECT_EQ(layers[l], 75) << l << " layers";
  EXPECT_EQ(act[Activation::kRelu], 100);
  EXPECT_EQ(act[Activation::kTanh], 100);
  EXPECT_EQ(act[Activation::kSigmoid], 100);
  EXPECT_EQ(allow_do, 225);
  EXPECT_EQ(allow_mom, 225);
}

TEST(Plan, ProportionsForUnevenCounts) {
  // n not a multiple of the list length: every list entry still appears n / len or
  // n / len + 1 times, so a family of c entries out of 10 gets c * (n / 10) .. + c.
  for (int n : {1, 7, 12, 101, 303}) {
    SearchSpace space;
    space.trials = n;
    space.seed = 1000 + n;
    std::vector<TrialConfig> plan = make_plan(space);
    std::map<Structure, int> structure;
    std::map<int, int> layers;
    std::map<Activation, int> act;
    int no_do = 0, no_mom = 0;
    for (const TrialConfig& t : plan) {
      ++structure[t.structure];
      ++layers[t.hidden_layers];
      ++act[t.activation];
      no_do += !t.allow_dropout;
      no_mom += !t.allow_momentum;
    }
    const int q = n / 10;
    for (auto [s, c] : std::map<Structure, int>{{Structure::kUniform, 2},
                                                {Structure::kAscendingMin, 1},
                                                {Structure::kAscendingMax, 1},
                                                {Structure::kDescendingMin, 1},
                                                {Structure::kDescendingMax, 1},
                                                {Structure::kRandom, 4}}) {
      EXPECT_GE(structure[s], c * q) << structure_name(s) << " n " << n;
      EXPECT_LE(structure[s], c * q + std::min(c, n % 10)) << structure_name(s) << " n " << n;
    }
    for (int l = 2; l <= 5; ++l) {
      EXPECT_GE(layers[l], n / 4);
      EXPECT_LE(layers[l], n / 4 + 1);
    }
    for (auto a : {Activation::kRelu, Activation::kTanh, Activation::kSigmoid}) {
      EXPECT_GE(act[a], n / 3);
      EXPECT_LE(act[a], n / 3 + 1);
    }
    EXPECT_GE(no_do, n / 4);
    EXPECT_LE(no_do, n / 4 + 1);
    EXPECT_GE(no_mom, n / 4);
    EXPECT_LE(no_mom, n / 4 + 1);
  }
}

TEST(Plan, FlagsFollowLayersAndAllowances) {
  SearchSpace space;
  space.trials = 1000;
  space.seed = 77;
  std::vector<TrialConfig> plan = make_plan(space);
  int with_layer[kMaxHiddenLayers] = {}, flagged[kMaxHiddenLayers] = {},
      blocked[kMaxHiddenLayers] = {};
  for (const TrialConfig& t : plan) {
    EXPECT_NO_THROW(t.validate());
    for (int k = 0; k < kMaxHiddenLayers; ++k) {
      if (k >= t.hidden_layers) {
        EXPECT_FALSE(t.dropout[k]) << "trial " << t.index << ": D" << k + 1 << " on no layer";
        EXPECT_EQ(t.sizes[k], 0) << "trial " << t.index;
        EXPECT_EQ(t.dropout_rate[k], 0.0) << "trial " << t.index;
        continue;
      }
      ++with_layer[k];
      flagged[k] += t.dropout[k];
      blocked[k] += !t.allow_dropout;
      EXPECT_GE(t.sizes[k], 1);
      if (t.dropout[k]) {
        EXPECT_GE(t.dropout_rate[k], space.dropout_rate.low);
        EXPECT_LT(t.dropout_rate[k], space.dropout_rate.high);
      } else {
        EXPECT_EQ(t.dropout_rate[k], 0.0);
      }
    }
    if (!t.allow_dropout) {
      for (int k = 0; k < kMaxHiddenLayers; ++k) {
        EXPECT_FALSE(t.dropout[k]) << "trial " << t.index;
        EXPECT_EQ(t.dropout_rate[k], 0.0) << "trial " << t.index;
      }
    }
    if (t.allow_momentum) {
      EXPECT_GE(t.momentum, space.momentum.low);
      EXPECT_LT(t.momentum, space.momentum.high);
    } else {
      EXPECT_EQ(t.momentum, 0.0) << "trial " << t.index;
    }
    EXPECT_GE(t.learning_rate, space.learning_rate.low);
    EXPECT_LT(t.learning_rate, space.learning_rate.high);
    EXPECT_GE(t.batch_size, 5);
    EXPECT_LE(t.batch_size, 600);
  }
  // Each D_k list is balanced over the trials having layer k, then the no-dropout
  // quarter is masked out: between half of them less the masked ones, and half.
  for (int k = 0; k < kMaxHiddenLayers; ++k) {
    EXPECT_LE(flagged[k], (with_layer[k] + 1) / 2) << "D" << k + 1;
    EXPECT_GE(flagged[k], with_layer[k] / 2 - blocked[k]) << "D" << k + 1;
    EXPECT_GT(flagged[k], 0);
  }
  EXPECT_EQ(with_layer[0], 1000);
  EXPECT_EQ(with_layer[1], 1000);
}

TEST(Plan, SizesFollowTheirStructure) {
  SearchSpace space;
  std::vector<TrialConfig> plan = make_plan(space);
  const int lo = 20, hi = 1500;
  bool beyond = false;
  for (const TrialConfig& t : plan) {
    const int n = t.hidden_layers;
    const auto& s = t.sizes;
    for (int k = 0; k < n; ++k) beyond = beyond || s[k] > hi;
    switch (t.structure) {
      case Structure::kUniform:
        for (int k = 0; k < n; ++k) EXPECT_EQ(s[k], s[0]);
        EXPECT_GE(s[0], lo);
        EXPECT_LE(s[0], hi);
        break;
      case Structure::kAscendingMin:
        for (int k = 0; k < n; ++k) EXPECT_EQ(s[k], s[0] * (k + 1));
        EXPECT_GE(s[0], lo);
        EXPECT_LE(s[0], hi);
        break;
      case Structure::kDescendingMin:
        for (int k = 0; k < n; ++k) EXPECT_EQ(s[k], s[n - 1] * (n - k));
        EXPECT_GE(s[n - 1], lo);
        EXPECT_LE(s[n - 1], hi);
        break;
      case Structure::kDescendingMax:
        for (int k = 1; k < n; ++k) EXPECT_LE(s[k], s[k - 1]);
        EXPECT_GE(s[0], lo);
        EXPECT_LE(s[0], hi);
        break;
      case Structure::kAscendingMax:
        for (int k = 1; k < n; ++k) EXPECT_GE(s[k], s[k - 1]);
        EXPECT_GE(s[n - 1], lo);
        EXPECT_LE(s[n - 1], hi);
        break;
      case Structure::kRandom:
        for (int k = 0; k < n; ++k) {
          EXPECT_GE(s[k], lo);
          EXPECT_LE(s[k], hi);
        }
        break;
      default:
        ADD_FAILURE() << "unexpected structure";
    }
  }
  EXPECT_TRUE(beyond) << "ascending min should leave the range (docs/semantics.md#layer-sizes)";

  space.clamp_layer_sizes = true;
  for (const TrialConfig& t : make_plan(space))
    for (int k = 0; k < t.hidden_layers; ++k) {
      EXPECT_GE(t.sizes[k], lo);
      EXPECT_LE(t.sizes[k], hi);
    }
}

TEST(Plan, EachFamilyTakesTheFirstPointsOfItsOwnSequence) {
  SearchSpace space;
  space.seed = 4242;
  std::vector<TrialConfig> plan = make_plan(space);
  using namespace detail;
  auto seq = [&](int family, int dims) {
    return SobolSequence::scrambled(dims, space.seed, kStreamFamily + family);
  };
  SobolSequence all = seq(kFamilyAllTrials, 2), mom = seq(kFamilyMomentum, 1),
                uni = seq(kFamilySizeUniform, 1), rnd = seq(kFamilySizeRandom, 5);
  uint32_t m = 0, u = 0, r = 0, d[kMaxHiddenLayers] = {};
  for (const TrialConfig& t : plan) {
    const uint32_t i = static_cast<uint32_t>(t.index);
    EXPECT_EQ(t.learning_rate, space.learning_rate.at(all.at(i, 0)));
    EXPECT_EQ(t.batch_size, round_half_even(space.batch_size.at(all.at(i, 1))));
    if (t.allow_momentum) {
      EXPECT_EQ(t.momentum, space.momentum.at(mom.at(m++, 0)));
    }
    for (int k = 0; k < kMaxHiddenLayers; ++k)
      if (t.dropout[k]) {
        double want = space.dropout_rate.at(seq(kFamilyDropoutRate1 + k, 1).at(d[k]++, 0));
        EXPECT_EQ(t.dropout_rate[k], want);
      }
    if (t.structure == Structure::kUniform) {
      EXPECT_EQ(t.sizes[0], round_half_even(space.layer_size.at(uni.at(u++, 0))));
    }
    if (t.structure == Structure::kRandom) {
      for (int k = 0; k < t.hidden_layers; ++k)
        EXPECT_EQ(t.sizes[k], std::max(1, round_half_even(space.layer_size.at(rnd.at(r, k)))));
      ++r;
    }
  }
  EXPECT_EQ(m, 225u);
  EXPECT_EQ(u, 60u);
  EXPECT_EQ(r, 120u);
}

TEST(Plan, EverySubsetIsLowDiscrepancy) {
  SearchSpace space;
  space.trials = 300;
  auto subsets = [](const SearchSpace& sp) {
    std::map<std::string, std::vector<double>> f;
    for (const TrialConfig& t : make_plan(sp)) {
      f["learning rate"].push_back(sp.learning_rate.unit(t.learning_rate));
      if (t.allow_momentum) f["momentum"].push_back(sp.momentum.unit(t.momentum));
      for (int k = 0; k < kMaxHiddenLayers; ++k)
        if (t.dropout[k])
          f["D" + std::to_string(k + 1) + "R"].push_back(sp.dropout_rate.unit(t.dropout_rate[k]));
      if (t.structure == Structure::kUniform)
        f["uniform size"].push_back(sp.layer_size.unit(t.sizes[0]));
    }
    return f;
  };
  for (uint64_t seed : {1ull, 2ull, 3ull}) {
    space.seed = seed;
    space.sampler = SamplerKind::kSobol;
    auto sobol = subsets(space);
    space.sampler = SamplerKind::kRandom;
    auto random = subsets(space);
    double sum_sobol = 0, sum_random = 0;
    for (const auto& [name, values] : sobol) {
      ASSERT_GE(values.size(), 20u) << name;  // the smallest, D5R, holds about 28
      double q = centered_discrepancy_sq(values, 1);
      double p = random_discrepancy(values.size(), 1, seed);
      EXPECT_LT(5 * q, p) << name << " seed " << seed << ": " << q << " vs random " << p;
      sum_sobol += q;
      sum_random += centered_discrepancy_sq(random.at(name), 1);
    }
    EXPECT_LT(5 * sum_sobol, sum_random) << "seed " << seed;
  }
}

TEST(Plan, RandomStructureFamilyIsLowDiscrepancy) {
  // Every random-structure trial has layers 1 and 2: their widths are the first two
  // coordinates of the family's 5-D points, so together they fill the square evenly.
  // (A subset picked by layer count would not be: it is a random subsample of them.)
  for (uint64_t seed : {5ull, 6ull}) {
    SearchSpace space;
    space.seed = seed;
    std::vector<double> pts;
    for (const TrialConfig& t : make_plan(space))
      if (t.structure == Structure::kRandom)
        for (int k = 0; k < 2; ++k) pts.push_back(space.layer_size.unit(t.sizes[k]));
    ASSERT_EQ(pts.size(), 240u);
    double q = centered_discrepancy_sq(pts, 2), p = random_discrepancy(120, 2, seed);
    EXPECT_LT(5 * q, p) << "seed " << seed << ": " << q << " vs random " << p;
  }
}

TEST(Plan, LogScaleStaysInRange) {
  SearchSpace space;
  space.learning_rate = Range{1e-5, 1e-1, Scale::kLog};
  space.batch_size = Range{8, 1024, Scale::kLog};
  std::vector<double> u;
  int below_geo_mean = 0;
  for (const TrialConfig& t : make_plan(space)) {
    EXPECT_GE(t.learning_rate, 1e-5);
    EXPECT_LT(t.learning_rate, 1e-1);
    EXPECT_GE(t.batch_size, 8);
    EXPECT_LE(t.batch_size, 1024);
    below_geo_mean += t.learning_rate < 1e-3;
    u.push_back(space.learning_rate.unit(t.learning_rate));
  }
  // A log scale puts half the trials below the geometric mean (a linear one: 1%).
  EXPECT_NEAR(below_geo_mean, 150, 2);
  EXPECT_LT(5 * centered_discrepancy_sq(u, 1), random_discrepancy(300, 1, 9));
}

TEST(Plan, DeterministicAndSeedDependent) {
  SearchSpace space;
  space.seed = 123;
  std::vector<TrialConfig> a = make_plan(space), b = make_plan(space);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    expect_same(a[i], b[i]);
    EXPECT_EQ(a[i].index, static_cast<int>(i));
    EXPECT_EQ(a[i].seed, 123u);
    EXPECT_EQ(a[i].max_epochs, 100);
    EXPECT_EQ(a[i].patience, 5);
  }
  space.seed = 124;
  std::vector<TrialConfig> c = make_plan(space);
  int same_lr = 0, same_structure = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    same_lr += a[i].learning_rate == c[i].learning_rate;
    same_structure += a[i].structure == c[i].structure;
  }
  EXPECT_EQ(same_lr, 0);
  EXPECT_LT(same_structure, 150);  // about 0.28 of 300 agree by chance
}

TEST(Plan, ShardsEqualTheWholePlan) {
  SearchSpace space;
  space.seed = 99;
  std::vector<TrialConfig> whole = make_plan(space);
  for (int count : {1, 3, 7}) {
    std::vector<int> seen(whole.size(), 0);
    for (int shard = 0; shard < count; ++shard) {
      std::vector<TrialConfig> rows = make_plan_rows(space, shard, count);
      EXPECT_EQ(rows.size(), (whole.size() - shard + count - 1) / count);
      for (const TrialConfig& t : rows) {
        ASSERT_EQ(t.index % count, shard);
        ++seen[t.index];
        expect_same(t, whole[t.index]);
      }
    }
    for (int s : seen) EXPECT_EQ(s, 1);
  }
  EXPECT_THROW(make_plan_rows(space, 3, 3), ConfigError);
  EXPECT_THROW(make_plan_rows(space, -1, 3), ConfigError);
  EXPECT_THROW(make_plan_rows(space, 0, 0), ConfigError);
}

TEST(Plan, RandomSamplerSharesCategoriesButNotValues) {
  SearchSpace space;
  space.seed = 31;
  std::vector<TrialConfig> sobol = make_plan(space);
  space.sampler = SamplerKind::kRandom;
  std::vector<TrialConfig> random = make_plan(space);
  std::vector<TrialConfig> again = make_plan(space);
  ASSERT_EQ(sobol.size(), random.size());
  int same_lr = 0;
  for (size_t i = 0; i < sobol.size(); ++i) {
    EXPECT_EQ(sobol[i].structure, random[i].structure);
    EXPECT_EQ(sobol[i].hidden_layers, random[i].hidden_layers);
    EXPECT_EQ(sobol[i].activation, random[i].activation);
    EXPECT_EQ(sobol[i].allow_dropout, random[i].allow_dropout);
    EXPECT_EQ(sobol[i].allow_momentum, random[i].allow_momentum);
    EXPECT_EQ(sobol[i].dropout, random[i].dropout);
    same_lr += sobol[i].learning_rate == random[i].learning_rate;
    expect_same(random[i], again[i]);
    EXPECT_NO_THROW(random[i].validate());
  }
  EXPECT_EQ(same_lr, 0);
  // Shards agree with the whole plan for the random sampler too.
  for (const TrialConfig& t : make_plan_rows(space, 2, 5)) expect_same(t, random[t.index]);
}

TEST(Plan, ActivationListIsBalancedWithRepeats) {
  SearchSpace space;
  space.trials = 30;
  space.activations = {Activation::kTanh, Activation::kTanh, Activation::kRelu};
  int tanh = 0;
  for (const TrialConfig& t : make_plan(space)) {
    EXPECT_NE(t.activation, Activation::kSigmoid);
    tanh += t.activation == Activation::kTanh;
  }
  EXPECT_EQ(tanh, 20);
}

TEST(Plan, RejectsInvalidSpaces) {
  SearchSpace space;
  space.trials = 0;
  EXPECT_THROW(make_plan(space), ConfigError);
  space = SearchSpace{};
  space.activations.clear();
  EXPECT_THROW(make_plan(space), ConfigError);
}

TEST(Shard, ParsesIOverN) {
  Shard s = parse_shard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  s = parse_shard("0/1");
  EXPECT_EQ(s.index, 0);
  EXPECT_EQ(s.count, 1);
  for (const char* bad : {"3/3", "1", "a/b", "-1/2", "1/0", "", "/", "1/2/3", " 1/2", "1/2x",
                          "99999999999/99999999999"}) {
    try {
      parse_shard(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const ConfigError& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("--shard"), std::string::npos) << msg;
      EXPECT_NE(msg.find("\"" + std::string(bad) + "\""), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace qrsweep
