// Figure (b): each continuous hyperparameter against the trial's min val loss, on the
// axis scale the space gives that hyperparameter (log where its range is log).
#include <cmath>
#include <functional>

#include "report/figure_kit.h"
#include "report/figures.h"
#include "report/marks.h"
#include "report/plot_style.h"

namespace qrsweep::report {
namespace {

constexpr double kWidth = 960, kHeight = 520;

struct Param {
  std::string label;
  Range range;
  std::function<double(const TrialConfig&)> value;
  // Whether the value was sampled for this trial (false: a structural 0, drawn grey).
  std::function<bool(const TrialConfig&)> sampled;
};

std::vector<Param> params(const SearchSpace& sp) {
  auto always = [](const TrialConfig&) { return true; };
  return {
      {"learning rate", sp.learning_rate, [](const TrialConfig& c) { return c.learning_rate; },
       always},
      {"batch size", sp.batch_size,
       [](const TrialConfig& c) { return static_cast<double>(c.batch_size); }, always},
      {"momentum", sp.momentum, [](const TrialConfig& c) { return c.momentum; },
       [](const TrialConfig& c) { return c.allow_momentum; }},
      {"dropout rate D1R", sp.dropout_rate, [](const TrialConfig& c) { return c.dropout_rate[0]; },
       [](const TrialConfig& c) { return c.dropout[0]; }},
      {"first layer size L1N", sp.layer_size,
       [](const TrialConfig& c) { return static_cast<double>(c.sizes[0]); }, always},
  };
}

}  // namespace

Figure hyperparameter_figure(const SweepData& data, const SweepFacts& facts) {
  FigureCanvas c("hyperparameters", "Hyperparameters against min val loss", kWidth, kHeight);
  if (auto empty = c.no_results(data, facts)) return *empty;
  const LossAxis la = ranked_loss_axis(data, facts);
  const std::vector<Param> ps = params(data.space);
  const double pw = kWidth / 3, ph = kHeight / 2;
  for (size_t k = 0; k < ps.size(); ++k) {
    const Param& p = ps[k];
    const AxisKind xk = axis_kind(p.range.scale);
    const Frame frame = inner_frame(pw * (k % 3), ph * (k / 3), pw, ph);
    const std::string xlabel = p.label + (xk == AxisKind::kLog ? " (log)" : "");
    std::vector<double> xs = {p.range.low, p.range.high};
    for (size_t i : facts.ranked) xs.push_back(p.value(data.trials[i].record.config));
    auto xe = extent(xs, xk);
    const Axes ax = make_axes(frame, xk, pad(xe ? *xe : std::make_pair(0.0, 1.0), xk, 0.04),
                              la.kind, la.domain);
    draw_axes(c.svg, ax, xlabel, loss_label(la), "");
    std::vector<Dot> ds;
    for (size_t i : facts.ranked) {
      const ReportTrial& t = data.trials[i];
      const TrialConfig& c = t.record.config;
      std::string cls = !p.sampled(c)                           ? "cg"
                        : t.record.status == TrialStatus::kDone ? color_class(0)
                                                                : color_class(2);
      ds.push_back({p.value(c), t.record.min_val_loss, cls, trial_tooltip(t)});
    }
    dots(c.svg, ax, ds, facts.ranked.size() > 150 ? 2.4 : 3.2);  // smaller dots when many
    if (facts.best) {  // the best trial's loss is the lowest: never above the axis
      const ReportTrial& b = data.trials[*facts.best];
      c.svg.circle(ax.x(p.value(b.record.config)), ax.y(b.record.min_val_loss), 6, "mk-best",
                   "best: " + trial_tooltip(b));
    }
  }
  // The sixth slot holds the legend.
  const double lx = 2 * pw + 70, ly = ph + 60;
  c.svg.text(lx, ly - 22, "legend", "start", "pt");
  legend(c.svg, lx, ly, {{"done", color_class(0)}});
  legend(c.svg, lx, ly + 18, {{"diverged or failed (min before it stopped)", color_class(2)}});
  legend(c.svg, lx, ly + 36, {{"not sampled for this trial (0)", "cg"}});
  c.svg.circle(lx + 5, ly + 54 - 3.5, 6, "sw-best");
  c.svg.text(lx + 14, ly + 54, "the best trial", "start", "lg");
  return c.done(
      "One dot per finished trial with a finite min val loss (" +
      std::to_string(facts.ranked.size()) +
      " trials). Axes are logarithmic where the space samples a hyperparameter on a log "
      "scale (and the loss axis where losses span more than 30x). Momentum is 0 for trials "
      "that do not allow it and D1R is 0 where layer 1 has no dropout: those dots are grey. "
      "L1N can leave the layer-size range for ascending and descending structures." +
      off_scale_note(la));
}

}  // namespace qrsweep::report
