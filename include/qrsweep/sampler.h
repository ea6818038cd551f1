// The sweep's plan: the notebook's QRSearch (docs/semantics.md#search) as a pure function of the
// search space. Categorical choices come from balanced lists, continuous values from
// scrambled Sobol points (or Philox draws with sampler = "random"), each family of values
// taking the first points of its own sequence so every subset is itself low-discrepancy.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "qrsweep/philox.h"
#include "qrsweep/space.h"
#include "qrsweep/trial.h"

namespace qrsweep {

// The notebook's getUniformList over item indices 0..items-1: n / items copies of every
// index, then n % items DISTINCT indices drawn at random (so every index appears n / items
// or n / items + 1 times), then the whole list shuffled (Fisher-Yates). All randomness is
// words of `stream`, so the list is a pure function of (items, n, stream).
std::vector<int> balanced_list(int items, int n, const PhiloxStream& stream);

// Python's round() (half to even), which the notebook applies to sizes and batch sizes.
int round_half_even(double x);

// Hidden-layer sizes by structure (docs/semantics.md#layer-sizes) from the quasi-random seed
// values, already scaled into the layer-size range: seeds[0] is s for the single-seed structures,
// Random uses seeds[0..hidden_layers-1]. Sizes are never below 1; past hidden_layers they are 0.
// Throws ConfigError for Structure::kGiven or hidden_layers outside 1..5.
std::array<int, kMaxHiddenLayers> layer_sizes(Structure structure, int hidden_layers,
                                              const std::array<double, kMaxHiddenLayers>& seeds);

// The plan format: which trials make_plan draws for a given space. Any change to the drawn
// plan (the sequences, the scramble, the order of draws, the rounding) is a deliberate
// change that bumps this number and the known answers in tests/test_plan_known_answers.cpp;
// a store records it and a resume or merge of another format's plan is refused
// (docs/space.md).
constexpr int kPlanFormatVersion = 1;

// The whole plan, trials rows in index order. Validates the space first (ConfigError).
std::vector<TrialConfig> make_plan(const SearchSpace& space);

// The rows of one shard: those with index % shard_count == shard_index, in index order,
// equal value for value to the same rows of make_plan(space). Shards therefore
// interleave (shard 0 of 3 holds trials 0, 3, 6, ...), which spreads the structure
// families and the costly large trials evenly over the shards. With a halving schedule the
// unit is the cohort (space.h, cohort_of): shard i holds cohorts c with c % n == i, so
// a cohort's decisions never need another shard's results.
std::vector<TrialConfig> make_plan_rows(const SearchSpace& space, int shard_index, int shard_count);

// A --shard argument "i/n", 0 <= i < n.
struct Shard {
  int index = 0;
  int count = 1;
};
// Throws ConfigError naming --shard and the text when it is not of that form.
Shard parse_shard(const std::string& text);

}  // namespace qrsweep
