// Progress display for a running sweep (see progress.h).
#include "sweep/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace qrsweep::sweep_detail {

namespace {
constexpr double kRedrawSeconds = 0.2;  // the live block is redrawn at most this often

// A finished trial's result, as a line of its own (no newline; a failed trial's whole
// error follows, its line breaks made blanks so it stays one line).
std::string finished_line(const TrialRecord& r) {
  const int i = r.config.index;
  char buf[256];
  if (r.status == TrialStatus::kFailed) {
    std::snprintf(buf, sizeof buf, "trial %d failed after %d epochs: ", i, r.epochs_run);
    std::string line = buf + r.error;
    for (char& c : line)
      if (c == '\n' || c == '\r') c = ' ';
    return line;
  }
  if (r.status == TrialStatus::kDiverged)
    std::snprintf(buf, sizeof buf, "trial %d diverged at epoch %d", i, r.epochs_run);
  else
    std::snprintf(buf, sizeof buf,
                  "trial %d done: min val loss %.5f at epoch %d, max val accuracy %.4f at "
                  "epoch %d, %d epochs (%s), %.1f s",
                  i, r.min_val_loss, r.min_val_loss_epoch, r.max_val_accuracy,
                  r.max_val_accuracy_epoch, r.epochs_run, r.stop_reason.c_str(), r.seconds);
  return buf;
}

// The terminal's width, so no line of the live block wraps (a wrapped line would throw
// off the cursor moves that redraw it); 80 when it cannot be read.
size_t terminal_columns(std::FILE* out) {
  winsize ws{};
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) return ws.ws_col;
  return 80;
}
}  // namespace

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  long t = std::lround(s);
  char buf[32];
  if (t < 60)
    std::snprintf(buf, sizeof buf, "%lds", t);
  else if (t < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  return buf;
}

Progress::Mode Progress::mode_for(bool quiet) {
  if (quiet) return Mode::kQuiet;
  return isatty(STDERR_FILENO) ? Mode::kLive : Mode::kLines;
}

Progress::Progress(Mode mode, std::FILE* out, int total, int finished, double best)
    : mode_(mode), out_(out), total_(total), finished_(finished), best_(best) {}

Progress::~Progress() { close(); }

double eta_seconds(double elapsed, int finished_here, int remaining, long long epochs_here,
                   long long epoch_bound) {
  if (remaining == 0) return 0;
  if (epoch_bound >= 0) {
    const long long left = std::max(epoch_bound - epochs_here, 0LL);
    if (left == 0) return 0;
    return epochs_here > 0 ? elapsed / static_cast<double>(epochs_here) * left : NAN;
  }
  return finished_here > 0 ? elapsed / finished_here * remaining : NAN;
}

void Progress::set_epoch_bound(long long epochs) {
  std::lock_guard<std::mutex> lock(mu_);
  epoch_bound_ = std::max(epochs, 0LL);
}

std::string Progress::status_line() const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const int remaining = total_ - finished_;
  const double eta = eta_seconds(elapsed, finished_here_, remaining, epochs_here_, epoch_bound_);
  char best[32] = "-";
  if (!std::isnan(best_)) std::snprintf(best, sizeof best, "%.5f", best_);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%d/%d finished, %d running, best val loss %s, elapsed %s, ETA %s",
                finished_, total_, running_, best, format_duration(elapsed).c_str(),
                format_duration(eta).c_str());
  return buf;
}

void Progress::clear_live() {
  if (mode_ != Mode::kLive || live_lines_ == 0) return;
  // From the status line's end: clear it, then each line above, ending at the block's top.
  std::fputs("\r\033[K", out_);
  for (int i = 1; i < live_lines_; ++i) std::fputs("\033[A\r\033[K", out_);
  live_lines_ = 0;
}

void Progress::redraw(bool force) {
  if (mode_ != Mode::kLive || closed_) return;
  const auto now = Clock::now();
  if (!force && live_lines_ > 0 &&
      std::chrono::duration<double>(now - last_draw_).count() < kRedrawSeconds)
    return;
  last_draw_ = now;
  clear_live();
  const size_t width = terminal_columns(out_) - 1;
  for (const std::string& line : recent_) std::fprintf(out_, "%s\n", line.substr(0, width).c_str());
  std::fprintf(out_, "%s", ("[sweep] " + status_line()).substr(0, width).c_str());
  std::fflush(out_);
  live_lines_ = static_cast<int>(recent_.size()) + 1;
}

void Progress::trial_started(int) {
  std::lock_guard<std::mutex> lock(mu_);
  ++running_;
  redraw(true);
}

void Progress::epoch_done(int, const EpochMetrics&) {
  std::lock_guard<std::mutex> lock(mu_);
  ++epochs_here_;
  redraw(false);
}

void Progress::trial_finished(const TrialRecord& r) {
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  ++finished_;
  ++finished_here_;
  if (r.status == TrialStatus::kDone && !std::isnan(r.min_val_loss) &&
      (std::isnan(best_) || r.min_val_loss < best_))
    best_ = r.min_val_loss;
  if (mode_ == Mode::kLines) {
    std::fprintf(out_, "%s  [%s]\n", finished_line(r).c_str(), status_line().c_str());
    std::fflush(out_);
  } else if (mode_ == Mode::kLive) {
    recent_.push_back(finished_line(r));
    if (recent_.size() > kRecentShown) recent_.pop_front();
  }
  redraw(true);
}

void Progress::trial_requeued(int) {
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  redraw(true);
}

void Progress::message(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (mode_ == Mode::kQuiet) return;
  clear_live();
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
  if (running_ > 0) redraw(true);
}

void Progress::close() {
  std::lock_guard<std::mutex> lock(mu_);
  clear_live();
  std::fflush(out_);
  closed_ = true;
}

}  // namespace qrsweep::sweep_detail
