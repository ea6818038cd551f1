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
  double best_;
  Clock::time_point start_ = Clock::now(), last_draw_{};
  std::deque<std::string> recent_;  // the live block's finished-trial lines, oldest first
  int live_lines_ = 0;              // lines of the live block on screen (0: none)
  bool closed_ = false;
};

// "12s", "3m05s", "1h02m".
std::string format_duration(double seconds);

}  // namespace qrsweep::sweep_detail
