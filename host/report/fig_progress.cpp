// Figure (e): how the search progressed. The best-so-far min val loss against the number
// of trials finished (in finish order) and against wall time since the first trial began.
#include <algorithm>
#include <cmath>

#include "report/figure_kit.h"
#include "report/figures.h"
#include "report/marks.h"
#include "report/plot_style.h"
#include "report/stats.h"

namespace qrsweep::report {
namespace {

constexpr double kWidth = 960, kHeight = 320;

struct TimeUnit {
  const char* name;
  double seconds;
};

TimeUnit time_unit(double max_seconds) {
  if (max_seconds < 180) return {"s", 1};
  if (max_seconds < 3 * 3600) return {"min", 60};
  return {"h", 3600};
}

// Dots for every finished trial at xs[k], and the staircase of the best-so-far loss over
// done trials (diverged and failed ones never become the best, as in select_best).
void progress_panel(Svg& svg, const Axes& ax, const SweepData& data,
                    const std::vector<size_t>& order, const std::vector<double>& xs) {
  std::vector<double> done_losses;
  std::vector<Dot> ds;
  for (size_t k = 0; k < order.size(); ++k) {
    const ReportTrial& t = data.trials[order[k]];
    const bool done = t.record.status == TrialStatus::kDone;
    done_losses.push_back(done ? t.record.min_val_loss : NAN);
    ds.push_back({xs[k], t.record.min_val_loss, done ? "cg" : color_class(2), trial_tooltip(t)});
  }
  dots(svg, ax, ds, 2.8);
  std::vector<double> best = running_min(done_losses);
  for (double& v : best) v = std::min(v, ax.y.hi());  // an outlier start runs along the top
  step_series(svg, ax, {xs, best, color_class(0), "best so far"});
}

}  // namespace

Figure progress_figure(const SweepData& data, const SweepFacts& facts) {
  FigureCanvas c("progress", "Best so far", kWidth, kHeight);
  const Frame left = inner_frame(0, 0, kWidth / 2, kHeight);
  const Frame right = inner_frame(kWidth / 2, 0, kWidth / 2, kHeight);
  // Finish order needs the timestamps; without them, index order is the best guess.
  std::vector<size_t> order = facts.by_finish;
  const bool timed = !order.empty();
  if (!timed)
    for (size_t i = 0; i < data.trials.size(); ++i)
      if (is_finished(data.trials[i].record.status)) order.push_back(i);
  std::vector<double> losses;
  for (size_t i : order) losses.push_back(data.trials[i].record.min_val_loss);
  if (auto empty = c.no_results(data, facts)) return *empty;
  const LossAxis la = loss_axis(losses);
  const std::string ylabel = loss_label(la);

  std::vector<double> counts;
  for (size_t k = 0; k < order.size(); ++k) counts.push_back(static_cast<double>(k + 1));
  Axes ax = make_axes(left, AxisKind::kLinear,
                      pad({1.0, static_cast<double>(order.size())}, AxisKind::kLinear, 0.03),
                      la.kind, la.domain);
  ax.x.set_integer(true);
  draw_axes(c.svg, ax, timed ? "trials finished" : "trials finished (index order: no timestamps)",
            ylabel, "best so far vs trials finished");
  progress_panel(c.svg, ax, data, order, counts);
  legend(c.svg, left.right() - 150, left.top - 8,
         {{"best so far", color_class(0), true}, {"a trial", "cg"}});

  if (!timed) {
    draw_empty(c.svg, right, "best so far vs wall time", "the store has no finish timestamps");
  } else {
    double max_s = 0;
    for (size_t i : order) max_s = std::max(max_s, data.trials[i].finished_s);
    const TimeUnit u = time_unit(max_s);
    std::vector<double> ts;
    for (size_t i : order) ts.push_back(data.trials[i].finished_s / u.seconds);
    Axes bx = make_axes(right, AxisKind::kLinear,
                        pad({0.0, max_s / u.seconds}, AxisKind::kLinear, 0.03), la.kind, la.domain);
    draw_axes(c.svg, bx, std::string("wall time since the first trial started (") + u.name + ")",
              ylabel, "best so far vs wall time");
    progress_panel(c.svg, bx, data, order, ts);
  }
  return c.done(
      "The lowest min val loss among done trials so far (line) after each trial finished "
      "(grey dots; red: diverged or failed, which never count as the best), against the "
      "number of trials finished in the order they finished (left) and against the time "
      "they finished (right). Finish times come from the store's timestamps, refined by "
      "each trial's own duration within the timestamps' one-second resolution." +
      off_scale_note(la));
}

}  // namespace qrsweep::report
