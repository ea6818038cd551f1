// The search space: every input of a sweep as one struct whose member
// initializers ARE the defaults (the notebook's preset), read from and written to TOML.
// docs/space.md documents each key.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "qrsweep/dataset.h"
#include "qrsweep/math.h"

namespace qrsweep {

enum class Scale : int { kLinear = 0, kLog = 1 };
enum class SamplerKind : int { kSobol = 0, kRandom = 1 };

// A continuous range and how a point u in [0, 1) maps into it.
struct Range {
  double low = 0.0;
  double high = 1.0;
  Scale scale = Scale::kLinear;
  // linear: low + u (high - low), as scipy's qmc.scale; log: low (high / low)^u. Clamped
  // into [low, high] against rounding.
  double at(double u) const;
  // The inverse of at(), for tests and reports that look at values as points in [0, 1).
  double unit(double value) const;
};

// How long each trial trains (docs/space.md#schedule): every trial to its end ("full",
// the notebook's), successive halving over fixed cohorts of the plan, or hyperband: cohorts
// in turn of each of its brackets, halved from later first rungs (host/sweep/halving.h).
enum class ScheduleKind : int { kFull = 0, kHalving = 1, kHyperband = 2 };
struct Schedule {
  ScheduleKind kind = ScheduleKind::kFull;
  int min_epochs = 1;  // the first rung
  int eta = 3;         // rungs at min_epochs * eta^k epochs; 1 in eta goes on at each
  int cohort = 0;      // halving's trials per cohort, consecutive in the plan; 0: automatic
  bool operator==(const Schedule& o) const {
    return kind == o.kind && min_epochs == o.min_epochs && eta == o.eta && cohort == o.cohort;
  }
};
const char* schedule_kind_name(ScheduleKind k);
// The rungs for trials of `max_epochs` epochs: min_epochs * eta^k for every k where that
// is below max_epochs, then max_epochs itself (the last entry; a trial that reaches it has
// finished). {max_epochs} for the full schedule.
std::vector<int> schedule_rungs(const Schedule& s, int max_epochs);
// Halving's trials per cohort: `cohort`, or when 0, eta^R (R: the rungs below max_epochs),
// so that exactly one trial of a full cohort reaches max_epochs; at most `trials`. Hyperband:
// its first bracket's. `trials` for the full schedule.
int cohort_size(const Schedule& s, int max_epochs, int trials);

// A cohort: trials [first, first + size) of the plan, decided among themselves over the
// rungs from schedule_rungs' `first_rung` on. Halving's cohorts are blocks of cohort_size
// starting at rung 0. Hyperband's cycle through its brackets b = 0..R: bracket b starts at
// rung b and holds ceil((R + 1) / (R + 1 - b)) * eta^(R - b) trials (Li et al., 2018), so the
// last bracket trains every trial to max_epochs. The full schedule: one trial per cohort.
struct Cohort {
  int number = 0;  // 0, 1, ... in plan order
  int first = 0;
  int size = 0;
  int first_rung = 0;
};
Cohort cohort_of(const Schedule& s, int max_epochs, int trials, int index);

struct SearchSpace {
  int trials = 300;
  uint64_t seed = 0;  // keys every sampler and training stream; 0..2^63-1 (TOML integers)
  SamplerKind sampler = SamplerKind::kSobol;
  std::vector<Activation> activations{Activation::kRelu, Activation::kTanh, Activation::kSigmoid};
  Range layer_size{20, 1500, Scale::kLinear};  // may leave its range: docs/semantics.md#layer-sizes
  Range dropout_rate{0, 0.7, Scale::kLinear};
  Range learning_rate{0.0005, 0.005, Scale::kLinear};
  Range momentum{0, 1, Scale::kLinear};
  Range batch_size{5, 600, Scale::kLinear};  // rounded
  int max_epochs = 100;
  int patience = 5;
  bool clamp_layer_sizes = false;  // true: every size is clamped into layer_size's range
  DataSource data;                 // [data]; defaults in DataSource (dataset.h)
  Schedule schedule;               // [schedule]
};

const char* scale_name(Scale s);
const char* sampler_name(SamplerKind s);

// Throws ConfigError naming `origin`, the key and its value for every inconsistency
// (low > high, log scale with low <= 0, sizes < 1, trials < 1, ...).
void validate_space(const SearchSpace& space, const std::string& origin);

// The [schedule] checks of validate_space (max_epochs: the space's).
void validate_schedule(const Schedule& s, int max_epochs, const std::string& origin);

// The [data] checks of validate_space, for any file that carries a [data] table.
void validate_data_source(const DataSource& d, const std::string& origin);

// Parse and validate. Every key is optional (its default applies); an unknown key, a
// value of the wrong type or an invalid value throws ConfigError naming the file, the
// key and the value.
SearchSpace parse_space_file(const std::string& path);
SearchSpace parse_space_text(const std::string& text, const std::string& origin_name);

// Canonical TOML: every key, in a fixed order, floats in their shortest round-trip form.
// parse_space_text(to_toml(s)) == s, key for key (the store compares spaces on resume).
std::string to_toml(const SearchSpace& space);

// The keys whose values differ, each as "key: <value in a> -> <value in b>" (TOML
// syntax), in canonical order; empty when the spaces are the same.
std::vector<std::string> diff_spaces(const SearchSpace& a, const SearchSpace& b);

}  // namespace qrsweep
