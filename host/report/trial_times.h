// When each trial started and finished, from the trials table's started_at / finished_at
// timestamps (which the store API does not return), read through a read-only connection.
#pragma once
#include <map>
#include <string>

namespace qrsweep::report {

struct TrialTimes {
  double started = 0;     // seconds since the Unix epoch, NaN when unknown
  double finished = 0;    // NaN while the trial has not finished
  double resolution = 1;  // how coarse the timestamps are (1 s for "...T12:00:00Z")
};

// Trial index -> its timestamps. An empty map when the store has no such columns (an
// older or newer schema): the report then leaves out what needs them.
std::map<int, TrialTimes> read_trial_times(const std::string& store_path);

// "2024-05-01T12:34:56Z" or "2024-05-01T12:34:56.789Z" (UTC) -> seconds since the epoch;
// NaN for anything else. *resolution gets the last digit's weight.
double parse_utc(const std::string& text, double* resolution = nullptr);

// The best estimate of when a trial finished: its finished_at, refined within the
// timestamp's resolution by started_at + the trial's own measured seconds, so trials
// finishing within the same second still come out in order.
double finish_estimate(const TrialTimes& t, double trial_seconds);

}  // namespace qrsweep::report
