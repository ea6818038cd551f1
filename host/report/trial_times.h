// When each trial started and finished, from the store's started_at / finished_at timestamps.
#pragma once
#include <string>

#include "qrsweep/store.h"

namespace qrsweep::report {

struct TrialTimes {
  double started = 0;     // seconds since the Unix epoch, NaN when unknown
  double finished = 0;    // NaN while the trial has not finished
  double resolution = 1;  // how coarse the timestamps are (1 s for "...T12:00:00Z")
};

// A trial's timestamps in seconds since the epoch (NaN where a timestamp is empty or
// unreadable: not started, not finished).
TrialTimes trial_times(const TrialRecord& r);

// "2024-05-01T12:34:56Z" or "2024-05-01T12:34:56.789Z" (UTC) -> seconds since the epoch;
// NaN for anything else. *resolution gets the last digit's weight.
double parse_utc(const std::string& text, double* resolution = nullptr);

// The best estimate of when a trial finished: its finished_at, refined within the
// timestamp's resolution by started_at + the trial's own measured seconds, so trials
// finishing within the same second still come out in order.
double finish_estimate(const TrialTimes& t, double trial_seconds);

}  // namespace qrsweep::report
