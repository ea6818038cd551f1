// Combining the stores of one sweep (merge.h): the same space in every store, the same
// plan rows as this qrsweep's sampler, each trial taken from the first store where it
// finished, and finished trials that two stores hold agreeing value for value.
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "qrsweep/common.h"
#include "qrsweep/merge.h"
#include "qrsweep/sampler.h"
#include "qrsweep/sweep.h"

namespace qrsweep {

namespace {

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The first result field in which two runs of one trial differ, "" when none does. Wall
// clock and backend are not results; the error text of a failed trial may name a
// machine, so only the status says that it failed.
std::string result_difference(const TrialRecord& a, const TrialRecord& b) {
  auto num = [](double v) {
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
  };
  if (a.status != b.status)
    return std::string("status ") + trial_status_name(a.status) + " vs " +
           trial_status_name(b.status);
  if (!same_value(a.min_val_loss, b.min_val_loss))
    return "min val loss " + num(a.min_val_loss) + " vs " + num(b.min_val_loss);
  if (!same_value(a.max_val_accuracy, b.max_val_accuracy))
    return "max val accuracy " + num(a.max_val_accuracy) + " vs " + num(b.max_val_accuracy);
  if (a.min_val_loss_epoch != b.min_val_loss_epoch ||
      a.max_val_accuracy_epoch != b.max_val_accuracy_epoch)
    return "best epochs " + std::to_string(a.min_val_loss_epoch) + "/" +
           std::to_string(a.max_val_accuracy_epoch) + " vs " +
           std::to_string(b.min_val_loss_epoch) + "/" + std::to_string(b.max_val_accuracy_epoch);
  if (a.epochs_run != b.epochs_run || a.steps != b.steps)
    return "epochs run " + std::to_string(a.epochs_run) + " vs " + std::to_string(b.epochs_run);
  if (a.stop_reason != b.stop_reason)
    return "stop reason " + a.stop_reason + " vs " + b.stop_reason;
  return "";
}

// Distinct parts of several "a; b" lists, sorted, joined the same way: merging a merged
// store again gives the same text.
std::string joined_set(const std::vector<std::string>& values) {
  std::set<std::string> parts;
  for (const std::string& v : values) {
    size_t p = 0;
    while (p <= v.size()) {
      size_t e = v.find("; ", p);
      if (e == std::string::npos) e = v.size();
      if (e > p) parts.insert(v.substr(p, e - p));
      p = e + 2;
    }
  }
  std::string s;
  for (const std::string& part : parts) s += (s.empty() ? "" : "; ") + part;
  return s;
}

// The merged sweep row: the space's identity as shard 0/1, where and when its parts ran.
SweepRecord merged_sweep_row(const SearchSpace& space, const std::vector<StoreContents>& stores) {
  SweepRecord r;
  r.identity = SweepIdentity{to_toml(space), 0, 1};
  r.seed = space.seed;
  r.trials = space.trials;
  r.program_version = QRSWEEP_VERSION;
  r.plan_version = kPlanFormatVersion;  // combine_stores checked every row against it
  std::vector<std::string> hosts, machines, backends, devices;
  double shard_seconds = 0;
  double whole_seconds = 0;
  for (const StoreContents& s : stores) {
    const SweepRecord& w = s.sweep;
    if (!r.data) r.data = w.data;  // every store that records one records the same
    hosts.push_back(w.host);
    machines.push_back(w.machine);
    backends.push_back(w.backend);
    devices.push_back(w.device);
    if (!w.created_at.empty() && (r.created_at.empty() || w.created_at < r.created_at))
      r.created_at = w.created_at;
    if (w.updated_at > r.updated_at) r.updated_at = w.updated_at;
    // Shards ran one after another or side by side: their seconds add up. A whole-plan
    // store (an earlier merge, or a sweep resumed in one process) already counts them.
    if (w.identity.shard_count > 1)
      shard_seconds += w.wall_seconds;
    else
      whole_seconds = std::max(whole_seconds, w.wall_seconds);
  }
  r.host = joined_set(hosts);
  r.machine = joined_set(machines);
  r.backend = joined_set(backends);
  r.device = joined_set(devices);
  r.wall_seconds = std::max(shard_seconds, whole_seconds);
  return r;
}

}  // namespace

CombinedSweep combine_stores(const std::vector<StoreContents>& stores) {
  if (stores.empty()) throw ConfigError("merge: no stores to merge");
  const StoreContents& first = stores.front();
  CombinedSweep c;
  c.space = stored_space(first.path, first.sweep);
  std::vector<StoredSweep> sweeps;
  for (const StoreContents& s : stores) sweeps.push_back({s.path, &s.sweep});
  check_same_sweep(sweeps,
                   "merge only the stores of one sweep (same space, seed, trial count and data)");
  c.plan = make_plan(c.space);
  for (const StoreContents& s : stores)
    check_plan_rows(s.path, s.sweep, s.trials, c.plan, /*every_row=*/false);
  c.sweep = merged_sweep_row(c.space, stores);

  // A whole-plan store (an earlier merge) holds a row for every trial whether it ran or
  // not: when shard stores are read too, only theirs say which trials some shard holds.
  const bool any_shard = std::any_of(stores.begin(), stores.end(), [](const StoreContents& s) {
    return s.sweep.identity.shard_count > 1;
  });
  std::set<int> present;
  for (const StoreContents& s : stores) {
    const bool places_trials = !any_shard || s.sweep.identity.shard_count > 1;
    for (const TrialRecord& t : s.trials) {
      const int i = t.config.index;
      if (places_trials) present.insert(i);
      if (!is_finished(t.status)) continue;
      auto it = c.finished.find(i);
      if (it == c.finished.end()) {
        c.finished[i] = t;
        c.finished_in[i] = s.path;
        auto e = s.epochs.find(i);
        c.epochs[i] = e == s.epochs.end() ? std::vector<EpochMetrics>{} : e->second;
        continue;
      }
      const std::string diff = result_difference(it->second, t);
      if (!diff.empty())
        throw Error("trial " + std::to_string(i) + " finished differently in " + c.finished_in[i] +
                    " and in " + s.path + " (" + diff +
                    "): its runs should agree value for value (same backend and qrsweep); "
                    "merge only one of the two stores");
    }
  }
  for (int i = 0; i < static_cast<int>(c.plan.size()); ++i) {
    if (c.finished.count(i)) continue;
    (present.count(i) ? c.unfinished : c.missing).push_back(i);
  }

  // Name the shard stores whose absence left trials missing.
  std::map<int, std::set<int>> shards_seen;  // shard count -> shard indices read
  for (const StoreContents& s : stores)
    if (s.sweep.identity.shard_count > 1)
      shards_seen[s.sweep.identity.shard_count].insert(s.sweep.identity.shard_index);
  for (const auto& [n, seen] : shards_seen) {
    std::vector<std::string> absent;
    for (int k = 0; k < n; ++k) {
      if (seen.count(k)) continue;
      const bool leaves_gap =
          std::any_of(c.missing.begin(), c.missing.end(), [&](int i) { return i % n == k; });
      if (leaves_gap) absent.push_back(std::to_string(k) + "/" + std::to_string(n));
    }
    if (!absent.empty()) {
      std::string list;
      for (const std::string& a : absent) list += (list.empty() ? "" : ", ") + a;
      c.notes.push_back("no store found for shard(s) " + list);
    }
  }
  return c;
}

}  // namespace qrsweep
