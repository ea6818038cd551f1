// What a running sweep tells its user on stderr: on a terminal a live block redrawn in
// place (the last few finished trials' results above one status line), one plain line per
// finished trial otherwise, nothing with --quiet.
#pragma once
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>

#include "qrsweep/store.h"

namespace qrsweep::sweep_detail {

class Progress {
 public:
  enum class Mode { kLive, kLines, kQuiet };
  // Live when stderr is a terminal, lines when it is not, quiet when asked.
  static Mode mode_for(bool quiet);

  // `total` trials in the plan, `finished` of them already finished (kept from an
  // earlier run), `best` the lowest min val loss among those (NaN when none).
  Progress(Mode mode, std::FILE* out, int total, int finished, double best);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void trial_started(int index);
  void epoch_done(int index, const EpochMetrics& m);
  void trial_finished(const TrialRecord& r);
  void trial_requeued(int index);
  // Successive halving: at most `epochs` epochs are left to train (halving::epoch_bound less
  // the epochs of trials already finished); the ETA then counts down epochs, not trials, as
  // halving ends most trials after a few cheap epochs and the last few take the longest.
  void set_epoch_bound(long long epochs);
  // A line of its own (the live line is cleared first and redrawn after).
  void message(const std::string& line);
  // Clears the live line; later calls print nothing live.
  void close();

 private:
  using Clock = std::chrono::steady_clock;
  std::string status_line() const;  // "5/12 done, 2 running, best val loss ..., ETA ..."
  void redraw(bool force);          // caller holds mu_
  void clear_live();                // caller holds mu_
  // How many finished trials the live block shows above its status line.
  static constexpr size_t kRecentShown = 4;

  Mode mode_;
  std::FILE* out_;
  std::mutex mu_;
  int total_, finished_, finished_here_ = 0, running_ = 0;
  long long epochs_here_ = 0, epoch_bound_ = -1;  // -1: no bound, the ETA counts trials
  double best_;
  Clock::time_point start_ = Clock::now(), last_draw_{};
  std::deque<std::string> recent_;  // the live block's finished-trial lines, oldest first
  int live_lines_ = 0;              // lines of the live block on screen (0: none)
  bool closed_ = false;
};

// The status line's ETA after `elapsed` seconds: with an epoch bound (>= 0), the pace of the
// `epochs_here` epochs trained in this run over the `epoch_bound - epochs_here` left; else
// the pace of the `finished_here` trials finished in this run over the `remaining` ones.
// NaN while there is no pace yet; 0 when nothing is left.
double eta_seconds(double elapsed, int finished_here, int remaining, long long epochs_here,
                   long long epoch_bound);

// "12s", "3m05s", "1h02m".
std::string format_duration(double seconds);

}  // namespace qrsweep::sweep_detail
