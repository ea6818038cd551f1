// The search space's maths, validation and canonical TOML form (space.h); reading TOML
// lives in space_parse.cpp.
#include "qrsweep/space.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <utility>

#include "config/toml_reader.h"
#include "qrsweep/common.h"
#include "qrsweep/number_format.h"
#include "qrsweep/trial.h"
#include "sampler/space_data.h"

namespace qrsweep {

namespace {

constexpr int kMaxTrials = 100'000;  // far past any sweep; its plan is drawn in about a second
// Bounds that keep every derived integer (ascending min multiplies by up to 5) in an int.
constexpr double kMaxLayerSize = 1'000'000;
constexpr double kMaxBatchSize = 100'000'000;

std::string toml_bool(bool b) { return b ? "true" : "false"; }

using KeyValues = std::vector<std::pair<std::string, std::string>>;

void add_range(KeyValues& kv, const std::string& name, const Range& r) {
  kv.emplace_back(name + ".low", format_double(r.low));
  kv.emplace_back(name + ".high", format_double(r.high));
  kv.emplace_back(name + ".scale", toml_string(scale_name(r.scale)));
}

// Every key of the space in canonical order, its value in TOML syntax. Top-level keys
// come first so to_toml can open a [table] whenever the prefix changes. Keys added after
// stores existed are left out at their defaults unless `every_key` (so older sweeps keep
// their identity).
KeyValues flatten(const SearchSpace& s, bool every_key = false) {
  KeyValues kv;
  kv.emplace_back("trials", std::to_string(s.trials));
  kv.emplace_back("seed", std::to_string(s.seed));
  kv.emplace_back("sampler", toml_string(sampler_name(s.sampler)));
  std::string acts = "[";
  for (size_t i = 0; i < s.activations.size(); ++i)
    acts += (i ? ", " : "") + toml_string(activation_name(s.activations[i]));
  kv.emplace_back("activations", acts + "]");
  kv.emplace_back("max_epochs", std::to_string(s.max_epochs));
  kv.emplace_back("patience", std::to_string(s.patience));
  kv.emplace_back("clamp_layer_sizes", toml_bool(s.clamp_layer_sizes));
  for (const SpaceRange& sr : space_ranges()) add_range(kv, sr.key, s.*sr.member);
  kv.emplace_back("data.format", toml_string(s.data.format));
  kv.emplace_back("data.dir", toml_string(s.data.dir));
  kv.emplace_back("data.train_csv", toml_string(s.data.train_csv));
  kv.emplace_back("data.test_csv", toml_string(s.data.test_csv));
  kv.emplace_back("data.validation", std::to_string(s.data.validation));
  kv.emplace_back("data.classes", std::to_string(s.data.classes));
  // Written only when not the default, so a sweep's identity from before the key existed
  // still matches.
  if (every_key || s.data.split != "first") {
    kv.emplace_back("data.split", toml_string(s.data.split));
    kv.emplace_back("data.split_seed", std::to_string(s.data.split_seed));
  }
  if (!s.data.file.empty()) kv.emplace_back("data.file", toml_string(s.data.file));
  if (!s.data.scale.empty()) kv.emplace_back("data.scale", toml_string(s.data.scale));
  // The same for [schedule]: a full-schedule sweep's identity is what it was before.
  if (every_key || !(s.schedule == Schedule{})) {
    kv.emplace_back("schedule.kind", toml_string(schedule_kind_name(s.schedule.kind)));
    kv.emplace_back("schedule.min_epochs", std::to_string(s.schedule.min_epochs));
    kv.emplace_back("schedule.eta", std::to_string(s.schedule.eta));
    kv.emplace_back("schedule.cohort", std::to_string(s.schedule.cohort));
  }
  return kv;
}

[[noreturn]] void fail(const std::string& origin, const std::string& key, const std::string& value,
                       const std::string& problem) {
  throw ConfigError(origin + ": " + key + " = " + value + ": " + problem);
}

void check_int_at_least(const std::string& origin, const std::string& key, int64_t v, int64_t min) {
  if (v < min) fail(origin, key, std::to_string(v), "must be >= " + std::to_string(min));
}

void check_range(const std::string& origin, const std::string& name, const Range& r) {
  if (!std::isfinite(r.low)) fail(origin, name + ".low", format_double(r.low), "must be finite");
  if (!std::isfinite(r.high)) fail(origin, name + ".high", format_double(r.high), "must be finite");
  if (r.low > r.high)
    fail(origin, name + ".low", format_double(r.low),
         "is above " + name + ".high = " + format_double(r.high));
  if (r.scale == Scale::kLog && r.low <= 0.0)
    fail(origin, name + ".low", format_double(r.low), "must be > 0 with scale = \"log\"");
}

}  // namespace

const std::vector<SpaceRange>& space_ranges() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  static const std::vector<SpaceRange> ranges = {
      {"layer_size", &SearchSpace::layer_size, 1.0, false, kMaxLayerSize, false, "layer sizes"},
      {"dropout_rate", &SearchSpace::dropout_rate, 0.0, false, 1.0, true,
       "a rate of 1 drops every unit"},
      {"learning_rate", &SearchSpace::learning_rate, 0.0, true, kInf, false, ""},
      {"momentum", &SearchSpace::momentum, 0.0, false, 1.0, false, "momentum is in [0, 1]"},
      {"batch_size", &SearchSpace::batch_size, 1.0, false, kMaxBatchSize, false, "batch sizes"},
  };
  return ranges;
}

const char* scale_name(Scale s) { return s == Scale::kLog ? "log" : "linear"; }
const char* sampler_name(SamplerKind s) { return s == SamplerKind::kRandom ? "random" : "sobol"; }
const char* schedule_kind_name(ScheduleKind k) {
  switch (k) {
    case ScheduleKind::kHalving:
      return "halving";
    case ScheduleKind::kHyperband:
      return "hyperband";
    case ScheduleKind::kFull:
      break;
  }
  return "full";
}

double Range::at(double u) const {
  // low * (high / low)^u rather than exp(log low + ...): u = 0 gives low exactly. The
  // clamp keeps fp rounding (u just below 1) from stepping past high.
  double v =
      scale == Scale::kLog ? low * std::exp(u * std::log(high / low)) : low + u * (high - low);
  return std::min(std::max(v, low), high);
}

double Range::unit(double value) const {
  if (high == low) return 0.0;
  if (scale == Scale::kLog)
    return (std::log(value) - std::log(low)) / (std::log(high) - std::log(low));
  return (value - low) / (high - low);
}

void validate_space(const SearchSpace& s, const std::string& origin) {
  check_int_at_least(origin, "trials", s.trials, 1);
  if (s.trials > kMaxTrials)
    fail(origin, "trials", std::to_string(s.trials), "must be <= " + std::to_string(kMaxTrials));
  if (s.seed > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    fail(origin, "seed", std::to_string(s.seed), "must be <= 2^63 - 1 (a TOML integer)");
  if (s.activations.empty()) fail(origin, "activations", "[]", "needs at least one activation");
  for (size_t i = 0; i < s.activations.size(); ++i) {
    Activation a = s.activations[i];
    if (a != Activation::kRelu && a != Activation::kTanh && a != Activation::kSigmoid)
      fail(origin, "activations[" + std::to_string(i) + "]", activation_name(a),
           "unknown activation (expected relu, tanh or sigmoid)");
  }
  for (const SpaceRange& sr : space_ranges()) {
    const Range& r = s.*sr.member;
    const std::string key = sr.key;
    check_range(origin, key, r);
    const std::string why = *sr.why ? std::string(" (") + sr.why + ")" : "";
    if (sr.min_open ? !(r.low > sr.min) : !(r.low >= sr.min))
      fail(origin, key + ".low", format_double(r.low),
           std::string("must be ") + (sr.min_open ? "> " : ">= ") + format_double(sr.min) + why);
    if (sr.max_open ? !(r.high < sr.max) : !(r.high <= sr.max))
      fail(origin, key + ".high", format_double(r.high),
           std::string("must be ") + (sr.max_open ? "< " : "<= ") + format_double(sr.max) + why);
  }
  check_int_at_least(origin, "max_epochs", s.max_epochs, 1);
  check_int_at_least(origin, "patience", s.patience, 1);
  validate_data_source(s.data, origin);
  validate_schedule(s.schedule, s.max_epochs, origin);
}

void validate_schedule(const Schedule& sch, int max_epochs, const std::string& origin) {
  if (sch.kind != ScheduleKind::kFull && sch.kind != ScheduleKind::kHalving &&
      sch.kind != ScheduleKind::kHyperband)
    fail(origin, "schedule.kind", std::to_string(static_cast<int>(sch.kind)),
         "expected \"full\", \"halving\" or \"hyperband\"");
  check_int_at_least(origin, "schedule.min_epochs", sch.min_epochs, 1);
  check_int_at_least(origin, "schedule.eta", sch.eta, 2);
  check_int_at_least(origin, "schedule.cohort", sch.cohort, 0);
  if (sch.cohort > kMaxTrials)
    fail(origin, "schedule.cohort", std::to_string(sch.cohort),
         "must be <= " + std::to_string(kMaxTrials));
  if (sch.kind == ScheduleKind::kFull) return;
  if (sch.min_epochs >= max_epochs)
    fail(origin, "schedule.min_epochs", std::to_string(sch.min_epochs),
         "must be below max_epochs = " + std::to_string(max_epochs) +
             " (halving needs a rung before the last epoch)");
  if (sch.kind == ScheduleKind::kHyperband && sch.cohort != 0)
    fail(origin, "schedule.cohort", std::to_string(sch.cohort),
         "must be 0 with kind = \"hyperband\" (its brackets size their cohorts)");
  if (sch.cohort > 0 && sch.cohort < sch.eta)
    fail(origin, "schedule.cohort", std::to_string(sch.cohort),
         "must be 0 (automatic) or >= eta = " + std::to_string(sch.eta) +
             " (a smaller cohort promotes no trial past its first rung)");
}

void validate_data_source(const DataSource& d, const std::string& origin) {
  if (d.format != "idx" && d.format != "csv" && d.format != "npy" && d.format != "npz")
    fail(origin, "data.format", toml_string(d.format),
         "expected \"idx\", \"csv\", \"npy\" or \"npz\"");
  if (d.format == "npy" && d.dir.empty())
    fail(origin, "data.dir", "\"\"",
         "format = \"npy\" needs a directory holding x_train.npy, y_train.npy, x_test.npy "
         "and y_test.npy");
  if (d.format == "npz" && d.file.empty())
    fail(origin, "data.file", "\"\"", "format = \"npz\" needs an .npz file");
  if (!d.scale.empty() && d.scale != "divide_by_255" && d.scale != "none" &&
      d.scale != "standardize")
    fail(origin, "data.scale", toml_string(d.scale),
         "expected \"divide_by_255\", \"none\" or \"standardize\"");
  if (d.format == "csv") {
    if (d.train_csv.empty())
      fail(origin, "data.train_csv", "\"\"", "format = \"csv\" needs a training CSV file");
    if (d.test_csv.empty())
      fail(origin, "data.test_csv", "\"\"", "format = \"csv\" needs a test CSV file");
  }
  if (d.validation < 1)
    fail(origin, "data.validation", std::to_string(d.validation),
         "must be >= 1 (to train on every training row, retrain with `qrsweep train "
         "--all-rows`)");
  if (d.split != "first" && d.split != "stratified")
    fail(origin, "data.split", toml_string(d.split), "expected \"first\" or \"stratified\"");
  check_int_at_least(origin, "data.classes", d.classes, 2);
  if (d.classes > 256)
    fail(origin, "data.classes", std::to_string(d.classes), "must be <= 256 (labels are bytes)");
}

std::string data_table_toml(const DataSource& d) {
  SearchSpace s;
  s.data = d;
  std::string out = "[data]\n";
  for (const auto& [key, value] : flatten(s))
    if (key.rfind("data.", 0) == 0) out += key.substr(5) + " = " + value + "\n";
  return out;
}

std::string to_toml(const SearchSpace& space) {
  std::string out;
  std::string table;
  for (const auto& [key, value] : flatten(space)) {
    size_t dot = key.find('.');
    std::string prefix = dot == std::string::npos ? "" : key.substr(0, dot);
    if (prefix != table) {
      out += "\n[" + prefix + "]\n";
      table = prefix;
    }
    out += (dot == std::string::npos ? key : key.substr(dot + 1)) + " = " + value + "\n";
  }
  return out;
}

std::vector<std::string> diff_spaces(const SearchSpace& a, const SearchSpace& b) {
  // Every key written, those left out at their defaults too, so both lists hold the same
  // keys in the same order.
  KeyValues ka = flatten(a, true), kb = flatten(b, true);
  std::vector<std::string> out;
  for (size_t i = 0; i < ka.size(); ++i)
    if (ka[i].second != kb[i].second)
      out.push_back(ka[i].first + ": " + ka[i].second + " -> " + kb[i].second);
  return out;
}

}  // namespace qrsweep
