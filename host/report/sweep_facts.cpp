// Summary facts of a sweep (see sweep_facts.h).
#include "report/sweep_facts.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "qrsweep/sweep.h"

namespace qrsweep::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// SweepFacts' count of each TrialStatus, in the enum's order.
int SweepFacts::*const kCountOf[] = {&SweepFacts::queued, &SweepFacts::running, &SweepFacts::done,
                                     &SweepFacts::diverged, &SweepFacts::failed};

// An epoch of a done trial takes ceil(N / B) optimizer steps (the last batch may be partial,
// docs/semantics.md#epochs), so steps / epochs = k pins N into ((k - 1) B, k B]. Intersecting the
// intervals of every done trial (each with its own B) narrows N down, usually to one value; the
// dataset itself is not needed.
std::optional<std::pair<int64_t, int64_t>> derive_training_rows(const SweepData& data) {
  int64_t lo = 1, hi = std::numeric_limits<int64_t>::max();
  bool any = false;
  for (const ReportTrial& t : data.trials) {
    const TrialRecord& r = t.record;
    if (r.status != TrialStatus::kDone || r.epochs_run < 1 || r.steps < 1) continue;
    if (r.steps % r.epochs_run != 0) continue;
    const int64_t k = r.steps / r.epochs_run, b = r.config.batch_size;
    lo = std::max(lo, (k - 1) * b + 1);
    hi = std::min(hi, k * b);
    any = true;
  }
  if (!any || lo > hi) return std::nullopt;
  return std::make_pair(lo, hi);
}

}  // namespace

int SweepFacts::count(TrialStatus s) const { return this->*kCountOf[static_cast<int>(s)]; }

std::vector<std::pair<const char*, int>> SweepFacts::status_counts() const {
  std::vector<std::pair<const char*, int>> out;
  for (TrialStatus s : {TrialStatus::kDone, TrialStatus::kDiverged, TrialStatus::kFailed,
                        TrialStatus::kRunning, TrialStatus::kQueued})
    out.emplace_back(trial_status_name(s), count(s));
  return out;
}

bool has_result(const ReportTrial& t) {
  return is_finished(t.record.status) && std::isfinite(t.record.min_val_loss);
}

SweepFacts compute_facts(const SweepData& data) {
  SweepFacts f;
  std::vector<TrialRecord> records;
  for (size_t i = 0; i < data.trials.size(); ++i) {
    const ReportTrial& t = data.trials[i];
    ++(f.*kCountOf[static_cast<int>(t.record.status)]);
    f.epochs_trained += static_cast<int64_t>(t.epochs.size());
    if (has_result(t)) f.ranked.push_back(i);
    if (is_finished(t.record.status) && std::isfinite(t.finished_s)) f.by_finish.push_back(i);
    records.push_back(t.record);
  }
  auto loss = [&](size_t i) { return data.trials[i].record.min_val_loss; };
  std::stable_sort(f.ranked.begin(), f.ranked.end(),
                   [&](size_t a, size_t b) { return loss(a) < loss(b); });
  std::stable_sort(f.by_finish.begin(), f.by_finish.end(), [&](size_t a, size_t b) {
    return data.trials[a].finished_s < data.trials[b].finished_s;
  });
  if (auto best = select_best(records)) {
    for (size_t i = 0; i < data.trials.size(); ++i)
      if (data.trials[i].record.config.index == best->config.index) f.best = i;
  }

  double recorded = 0;
  for (const StoreRun& s : data.stores) recorded += s.sweep.wall_seconds;
  double last = kNaN;
  for (const ReportTrial& t : data.trials)
    if (std::isfinite(t.finished_s) && !(t.finished_s <= last)) last = t.finished_s;
  if (recorded > 0) {
    f.wall_seconds = recorded;
    f.wall_source = data.stores.size() > 1
                        ? "recorded by the sweep, summed over its " +
                              std::to_string(data.stores.size()) + " shard stores"
                        : "recorded by the sweep";
  } else if (std::isfinite(last)) {
    f.wall_seconds = last;
    f.wall_source =
        "from the first trial's start to the last finish (the sweep has not "
        "recorded its wall time yet: running or interrupted)";
  } else {
    f.wall_seconds = kNaN;
    f.wall_source = "no trial has finished yet";
  }
  const bool have_wall = std::isfinite(f.wall_seconds) && f.wall_seconds > 0;
  f.trials_per_hour = have_wall && f.finished() > 0 ? f.finished() * 3600.0 / f.wall_seconds : kNaN;
  f.training_rows = derive_training_rows(data);
  f.samples_per_second = kNaN;
  if (have_wall && f.training_rows) {
    const double rows = 0.5 * static_cast<double>(f.training_rows->first + f.training_rows->second);
    f.samples_per_second = static_cast<double>(f.epochs_trained) * rows / f.wall_seconds;
  }
  return f;
}

}  // namespace qrsweep::report
