// Helpers shared by the figures (see figure_kit.h).
#include "report/figure_kit.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "report/axes.h"
#include "report/stats.h"
#include "report/sweep_facts.h"

namespace qrsweep::report {

LossAxis loss_axis(const std::vector<double>& values, bool outliers_above) {
  LossAxis a;
  auto e = extent(values, AxisKind::kLinear);
  if (!e) return a;
  if (e->first > 0 && e->second > 30 * e->first) {
    a.kind = AxisKind::kLog;
    a.domain = pad(*e, AxisKind::kLog, 0.06);
    return a;
  }
  const BoxStats b = box_stats(values);
  double top = e->second;
  if (outliers_above && b.n >= 8) {
    const double fence = b.q3 + 5 * (b.q3 - b.q1);
    top = b.q3;
    for (double v : values)
      if (std::isfinite(v) && v <= fence) top = std::max(top, v);
    for (double v : values) a.above += std::isfinite(v) && v > top;
  }
  a.domain = pad({e->first, top}, AxisKind::kLinear, 0.06);
  return a;
}

std::string loss_label(const LossAxis& axis, const std::string& what) {
  return what + (axis.kind == AxisKind::kLog ? " (log)" : "");
}

std::string off_scale_note(const LossAxis& axis) {
  if (axis.above == 0) return "";
  return " " + std::to_string(axis.above) + (axis.above == 1 ? " trial lies" : " trials lie") +
         " far above the others (beyond Q3 + 5 IQR): each is a triangle on the top edge, "
         "its value in the tooltip.";
}

AxisKind axis_kind(Scale s) { return s == Scale::kLog ? AxisKind::kLog : AxisKind::kLinear; }

std::string trial_tooltip(const ReportTrial& t) {
  const TrialRecord& r = t.record;
  std::string s =
      "trial " + std::to_string(r.config.index) + " (" + trial_status_name(r.status) + ")";
  if (std::isfinite(r.min_val_loss))
    s += ": min val loss " + short_number(r.min_val_loss, 4) + " at epoch " +
         std::to_string(r.min_val_loss_epoch);
  return s;
}

std::string short_structure_name(Structure s) {
  // In Structure's order (trial.h).
  static const char* const kNames[] = {"uniform",   "asc. min", "asc. max", "desc. min",
                                       "desc. max", "random",   "given"};
  const size_t i = static_cast<size_t>(s);
  return i < std::size(kNames) ? kNames[i] : "?";
}

const std::vector<Structure>& sampled_structures() {
  static const std::vector<Structure> all = {Structure::kUniform,       Structure::kAscendingMin,
                                             Structure::kAscendingMax,  Structure::kDescendingMin,
                                             Structure::kDescendingMax, Structure::kRandom};
  return all;
}

std::string message_svg(const std::string& message) {
  Svg svg(960, 90);
  draw_empty(svg, inner_frame(0, 0, 960, 90, Margins{20, 12, 20, 12}), "", message);
  return svg.str();
}

std::string no_results_message(const SweepData& data) {
  int running = 0, queued = 0, unusable = 0;
  for (const ReportTrial& t : data.trials) {
    if (t.record.status == TrialStatus::kRunning)
      ++running;
    else if (t.record.status == TrialStatus::kQueued)
      ++queued;
    else if (!has_result(t))
      ++unusable;
  }
  if (data.trials.empty()) return "the store holds no trials";
  std::string s = "no finished trial with a finite val loss yet";
  std::string detail;
  if (running) detail += std::to_string(running) + " running";
  if (queued) detail += (detail.empty() ? "" : ", ") + std::to_string(queued) + " queued";
  if (unusable)
    detail += (detail.empty() ? "" : ", ") + std::to_string(unusable) + " diverged or failed";
  return detail.empty() ? s : s + " (" + detail + ")";
}

FigureCanvas::FigureCanvas(std::string id, std::string title, double width, double height)
    : svg(width, height) {
  figure_.id = std::move(id);
  figure_.title = std::move(title);
}

Figure FigureCanvas::done(std::string caption) const {
  Figure f = figure_;
  f.caption = std::move(caption);
  f.svg = svg.str();
  return f;
}

Figure FigureCanvas::empty(const std::string& why, std::string caption) const {
  Figure f = figure_;
  f.caption = std::move(caption);
  f.svg = message_svg(why);
  return f;
}

std::optional<Figure> FigureCanvas::no_results(const SweepData& data,
                                               const SweepFacts& facts) const {
  if (!facts.ranked.empty()) return std::nullopt;
  return empty(no_results_message(data), kFilledLater);
}

std::vector<Frame> side_by_side(const std::vector<double>& weights, double width, double height,
                                const Margins& m) {
  double units = 0;
  for (double w : weights) units += w;
  std::vector<Frame> frames;
  double x = 0;
  for (double w : weights) {
    frames.push_back(inner_frame(x, 0, width * w / units, height, m));
    x += width * w / units;
  }
  return frames;
}

LossAxis ranked_loss_axis(const SweepData& data, const SweepFacts& facts) {
  std::vector<double> losses;
  for (size_t i : facts.ranked) losses.push_back(data.trials[i].record.min_val_loss);
  return loss_axis(losses);
}

}  // namespace qrsweep::report
