// The rungs of a halving or hyperband sweep: every trial's val loss per epoch, a line at
// each rung's epoch, and the trials halved at a rung told apart from those that went on.
#include <algorithm>
#include <map>

#include "report/figure_kit.h"
#include "report/figures.h"
#include "report/marks.h"
#include "report/plot_style.h"
#include "sweep/halving.h"

namespace qrsweep::report {
namespace {

constexpr double kWidth = 960, kHeight = 360;

// The rung a trial was halved at, or -1 when it was not halved (it went on to its last
// rung, stopped by a rule of its own, or is still training): its stop reason, as the
// store and the export say it.
int halved_at(const std::vector<int>& rungs, const TrialRecord& r) {
  for (int k = 0; k + 1 < static_cast<int>(rungs.size()); ++k)
    if (r.stop_reason == halving::halved_reason(k)) return k;
  return -1;
}

// Halved at rung 0 is grey (most trials); later rungs take the palette from c1 on; trials
// never halved are c0.
std::string halved_class(int rung) { return rung <= 0 ? "cg" : color_class(rung); }

}  // namespace

Figure rungs_figure(const SweepData& data, const SweepFacts& facts) {
  (void)facts;
  const SearchSpace& space = data.space;
  FigureCanvas c("rungs", "Successive halving: val loss at the rungs", kWidth, kHeight);
  const std::vector<int> rungs = schedule_rungs(space.schedule, space.max_epochs);
  std::vector<size_t> drawn;
  std::vector<double> all;
  for (size_t i = 0; i < data.trials.size(); ++i) {
    if (data.trials[i].epochs.empty()) continue;
    drawn.push_back(i);
    for (const EpochMetrics& m : data.trials[i].epochs) all.push_back(m.val_loss);
  }
  const std::string caption =
      "Validation loss after each epoch of every trial that trained. Grey lines mark the "
      "rungs (the epochs where each cohort is ranked by min val loss so far and the best "
      "1/eta go on). Trials halved at a rung end there in a dot, coloured by that rung (a trial "
      "halved "
      "after one epoch is only its dot); trials that "
      "were not halved (promoted to the last rung, stopped by early stopping or still "
      "training) are the darker blue lines, drawn on top.";
  if (drawn.empty() || !extent(all, AxisKind::kLinear))
    return c.empty(no_results_message(data), caption);

  const Frame frame = inner_frame(0, 0, 730, kHeight, Margins{58, 24, 12, 40});
  const LossAxis la = loss_axis(all, /*outliers_above=*/false);
  Axes ax = make_axes(frame, AxisKind::kLinear,
                      pad({1.0, std::max(1, space.max_epochs) * 1.0}, AxisKind::kLinear, 0.03),
                      la.kind, la.domain);
  ax.x.set_integer(true);
  draw_axes(c.svg, ax, "epoch", loss_label(la, "val loss"),
            "val loss of " + std::to_string(drawn.size()) + " trials");
  for (size_t k = 0; k + 1 < rungs.size(); ++k) {
    const double px = ax.x(rungs[k]);
    c.svg.line(px, frame.top, px, frame.bottom(), "tick mk-rung");
    c.svg.text(px + 3, frame.top + 11, "rung " + std::to_string(k), "start", "tl");
  }

  // Halved trials first, so the ones that went on are drawn over them.
  std::map<int, int> halved_count;  // rung -> trials halved there; -1: not halved
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i : drawn) {
      const ReportTrial& t = data.trials[i];
      const int h = halved_at(rungs, t.record);
      if ((h >= 0) != (pass == 0)) continue;
      ++halved_count[h];
      std::vector<double> x, y;
      for (const EpochMetrics& m : t.epochs) {
        x.push_back(m.epoch);
        y.push_back(m.val_loss);
      }
      const std::string tip = trial_tooltip(t) + ", " + std::to_string(t.epochs.size()) +
                              " epochs" + (h >= 0 ? ", " + t.record.stop_reason : "");
      if (h >= 0)  // where it was halved: the only mark of a trial halved after one epoch
        dots(c.svg, ax, {{x.back(), y.back(), halved_class(h), tip}}, 2.4);
      line_series(c.svg, ax,
                  {x, y, h >= 0 ? "mk-thin " + halved_class(h) : std::string("c0"), tip});
    }

  std::vector<LegendEntry> entries;
  for (const auto& [rung, n] : halved_count)
    entries.push_back(
        {(rung < 0 ? std::string("not halved") : "halved at rung " + std::to_string(rung)) + " (" +
             std::to_string(n) + ")",
         rung < 0 ? std::string("c0") : halved_class(rung), true});
  for (size_t e = 0; e < entries.size(); ++e)
    legend(c.svg, frame.right() + 16, frame.top + 10 + 16.0 * e, {entries[e]});
  return c.done(caption);
}

}  // namespace qrsweep::report
