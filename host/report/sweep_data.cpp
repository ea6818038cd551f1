// Loading a sweep's stores for the report (see sweep_data.h).
#include "report/sweep_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "qrsweep/common.h"
#include "qrsweep/sweep.h"
#include "report/store_sources.h"
#include "report/trial_times.h"

namespace qrsweep::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

SweepData load_sweep_data(const std::string& target) {
  StoreSources sources = find_store_sources(target);
  SweepData data;
  data.dir = sources.dir;
  data.notes = sources.notes;
  data.start_utc = kNaN;
  std::map<int, TrialTimes> times;
  for (const std::string& path : sources.paths) {
    std::unique_ptr<Store> store = Store::open(path, /*read_only=*/true);
    StoreRun run{path, store->sweep()};
    // Rows first, then epochs: a writer commits every epoch of a trial before it marks the
    // trial finished, so a trial read as finished has all its epochs; a running one may
    // show an epoch more than its row suggests, which is harmless.
    std::vector<TrialRecord> rows = store->trials();
    std::map<int, std::vector<EpochMetrics>> epochs;
    for (const TrialRecord& r : rows)
      if (r.status != TrialStatus::kQueued) epochs[r.config.index] = store->epochs(r.config.index);
    if (auto t = store->test(); t && !data.test) data.test = t;
    if (data.stores.empty()) {
      data.space = stored_space(path, run.sweep);
      data.planned_trials = run.sweep.trials;
    }
    for (TrialRecord& r : rows) {
      const int index = r.config.index;
      const TrialTimes t = trial_times(r);
      if (std::isfinite(t.started)) data.have_times = true;
      times[index] = t;
      data.trials.push_back(ReportTrial{std::move(r), std::move(epochs[index]), kNaN});
    }
    data.stores.push_back(std::move(run));
  }
  std::sort(data.trials.begin(), data.trials.end(), [](const auto& a, const auto& b) {
    return a.record.config.index < b.record.config.index;
  });
  for (const auto& [index, t] : times)
    if (std::isfinite(t.started) && !(t.started >= data.start_utc)) data.start_utc = t.started;
  for (ReportTrial& tr : data.trials) {
    auto it = times.find(tr.record.config.index);
    if (it == times.end() || !is_finished(tr.record.status)) continue;
    tr.finished_s = finish_estimate(it->second, tr.record.seconds) - data.start_utc;
  }
  return data;
}

}  // namespace qrsweep::report
