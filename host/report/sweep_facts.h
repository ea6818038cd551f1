// Facts derived from a sweep's data for the summary and plots: status counts, the best
// trial (select_best's rule), loss ranking, finish order, wall time and throughput.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report/sweep_data.h"

namespace qrsweep::report {

struct SweepFacts {
  int queued = 0, running = 0, done = 0, diverged = 0, failed = 0;
  int finished() const { return done + diverged + failed; }
  int total() const { return finished() + queued + running; }
  // The trials of status `s` (one of the counts above).
  int count(TrialStatus s) const;
  // Each status's name and count in the order the page lists them: done, diverged, failed,
  // running, queued.
  std::vector<std::pair<const char*, int>> status_counts() const;

  std::optional<size_t> best;     // position in SweepData::trials
  std::vector<size_t> ranked;     // trials with a finite min val loss, lowest first
  std::vector<size_t> by_finish;  // finished trials with a finish time, in finish order

  double wall_seconds;         // NaN when unknown
  std::string wall_source;     // how wall_seconds was obtained
  double trials_per_hour;      // finished trials per hour of wall time, or NaN
  int64_t epochs_trained = 0;  // epoch rows over all trials
  // Training rows per epoch, derived from the steps of done trials (see sweep_facts.cpp):
  // [lo, hi], or nullopt when the steps do not pin it down.
  std::optional<std::pair<int64_t, int64_t>> training_rows;
  double samples_per_second;  // training samples per second of wall time, or NaN
};

SweepFacts compute_facts(const SweepData& data);

// Whether a trial's min val loss is a number that plots can use.
bool has_result(const ReportTrial& t);

}  // namespace qrsweep::report
