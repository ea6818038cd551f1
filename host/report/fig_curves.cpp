// Figure (d): learning curves. Val loss per epoch of the ten best trials, and the best
// trial's training and validation loss per epoch.
#include <algorithm>
#include <cmath>

#include "report/figure_kit.h"
#include "report/figures.h"
#include "report/marks.h"
#include "report/plot_style.h"

namespace qrsweep::report {
namespace {

constexpr double kWidth = 960, kHeight = 340;
constexpr size_t kTop = 10;

std::vector<double> epoch_numbers(const ReportTrial& t) {
  std::vector<double> x;
  for (const EpochMetrics& m : t.epochs) x.push_back(m.epoch);
  return x;
}

// Axes over epochs 1..max_epoch and every value of `ys` (a log y axis when they span >30x).
Axes curve_axes(const Frame& frame, const std::vector<std::vector<double>>& ys, int max_epoch) {
  std::vector<double> all;
  for (const auto& y : ys) all.insert(all.end(), y.begin(), y.end());
  const LossAxis la = loss_axis(all, /*outliers_above=*/false);
  Axes ax = make_axes(frame, AxisKind::kLinear,
                      pad({1.0, std::max(1, max_epoch) * 1.0}, AxisKind::kLinear, 0.03), la.kind,
                      la.domain);
  ax.x.set_integer(true);
  return ax;
}

}  // namespace

Figure curves_figure(const SweepData& data, const SweepFacts& facts) {
  FigureCanvas c("curves", "Learning curves", kWidth, kHeight);
  std::vector<size_t> top;
  for (size_t i : facts.ranked)
    if (data.trials[i].record.status == TrialStatus::kDone && top.size() < kTop) top.push_back(i);
  const Frame left = inner_frame(0, 0, 600, kHeight, Margins{58, 24, 130, 40});
  const Frame right = inner_frame(600, 0, kWidth - 600, kHeight);
  if (top.empty() || !facts.best) {
    const std::string why = facts.ranked.empty()
                                ? no_results_message(data)
                                : "no done trial with a finite val loss yet (the finished "
                                  "ones diverged or failed)";
    return c.empty(why, kFilledLater);
  }

  std::vector<std::vector<double>> ys;
  int max_epoch = 1;
  for (size_t i : top) {
    std::vector<double> y;
    for (const EpochMetrics& m : data.trials[i].epochs) {
      y.push_back(m.val_loss);
      max_epoch = std::max(max_epoch, m.epoch);
    }
    ys.push_back(y);
  }
  Axes ax = curve_axes(left, ys, max_epoch);
  draw_axes(c.svg, ax, "epoch",
            std::string("val loss") + (ax.y.kind() == AxisKind::kLog ? " (log)" : ""),
            "val loss of the " + std::to_string(top.size()) + " best trials");
  // Worst first, so the best trial's line ends up on top.
  for (size_t r = top.size(); r-- > 0;) {
    const ReportTrial& t = data.trials[top[r]];
    line_series(c.svg, ax,
                {epoch_numbers(t), ys[r], color_class(static_cast<int>(r)),
                 "#" + std::to_string(r + 1) + " " + trial_tooltip(t)});
  }
  for (size_t r = 0; r < top.size(); ++r) {
    const ReportTrial& t = data.trials[top[r]];
    legend(c.svg, left.right() + 14, left.top + 10 + 16.0 * r,
           {{"#" + std::to_string(r + 1) + " trial " + std::to_string(t.record.config.index),
             color_class(static_cast<int>(r)), true}});
  }

  const ReportTrial& best = data.trials[*facts.best];
  std::vector<double> train, val;
  for (const EpochMetrics& m : best.epochs) {
    train.push_back(m.loss);
    val.push_back(m.val_loss);
  }
  Axes bx = curve_axes(right, {train, val},
                       std::max(1, best.epochs.empty() ? 1 : best.epochs.back().epoch));
  draw_axes(c.svg, bx, "epoch",
            std::string("loss") + (bx.y.kind() == AxisKind::kLog ? " (log)" : ""),
            "best trial " + std::to_string(best.record.config.index));
  line_series(c.svg, bx, {epoch_numbers(best), train, color_class(1), "training loss"});
  line_series(c.svg, bx, {epoch_numbers(best), val, color_class(0), "validation loss"});
  c.svg.circle(bx.x(best.record.min_val_loss_epoch), bx.y(best.record.min_val_loss), 5, "mk-best",
               "min val loss " + short_number(best.record.min_val_loss, 4) + " at epoch " +
                   std::to_string(best.record.min_val_loss_epoch));
  legend(c.svg, right.left + 8, right.top + 14,
         {{"train", color_class(1), true}, {"val", color_class(0), true}});
  return c.done(
      "Left: validation loss after each epoch of the " + std::to_string(top.size()) +
      " done trials with the lowest min val loss (#1 is the best). Right: the best trial's "
      "training loss (measured during each epoch, dropout on) and validation loss (end of "
      "epoch, no dropout); the ring marks its min val loss. Non-finite losses break a line "
      "rather than being drawn.");
}

}  // namespace qrsweep::report
