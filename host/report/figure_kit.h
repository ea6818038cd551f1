// Small helpers the figures share: the loss axis (log when losses span a wide range),
// trial tooltips, short category names, and the message for panels without results.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "qrsweep/space.h"
#include "qrsweep/trial.h"
#include "report/axes.h"
#include "report/figures.h"
#include "report/scale.h"
#include "report/svg.h"
#include "report/sweep_data.h"
#include "report/sweep_facts.h"

namespace qrsweep::report {

// The y axis of a plot of min val losses. Linear unless every value is positive and the
// largest is over 30x the smallest (then log). On a linear axis, values far above the
// rest (beyond Q3 + 5 IQR, with 8 or more values: trials stuck at chance level) are left
// out of the domain so they do not squash the others; dots() marks them on the top edge.
// Lines cannot be marked that way: `outliers_above = false` keeps every value inside.
struct LossAxis {
  AxisKind kind = AxisKind::kLinear;
  std::pair<double, double> domain{0, 1};  // padded
  int above = 0;                           // values left above the domain
};
LossAxis loss_axis(const std::vector<double>& values, bool outliers_above = true);
// "min val loss", "min val loss (log)".
std::string loss_label(const LossAxis& axis, const std::string& what = "min val loss");
// The caption's sentence about values above the axis, or "" when there are none.
std::string off_scale_note(const LossAxis& axis);

// An axis kind from a space range's scale.
AxisKind axis_kind(Scale s);

// "trial 12 (done): min val loss 0.2814 at epoch 44"
std::string trial_tooltip(const ReportTrial& t);
// "uniform", "asc. min", ...: names short enough for a category axis.
std::string short_structure_name(Structure s);
// The structures a sampler draws, in the order the plots list them.
const std::vector<Structure>& sampled_structures();

// The caption of a results figure that has nothing to draw yet.
constexpr const char* kFilledLater =
    "Filled in as trials finish: run qrsweep report again to refresh.";
// A whole-width strip that says why a figure has nothing to draw, in place of its panels.
std::string message_svg(const std::string& message);

// Why a results panel is empty: "no trial has finished yet (3 running, 5 queued)", ...
std::string no_results_message(const SweepData& data);
// A figure as it is drawn: its id and title, and the canvas its panels draw on. Every
// figure ends in one of the three figures it gives.
class FigureCanvas {
 public:
  FigureCanvas(std::string id, std::string title, double width, double height);
  // The canvas drawn, with `caption` (HTML) under it.
  Figure done(std::string caption) const;
  // A whole-width strip saying `why` there is nothing to draw, in place of the panels.
  Figure empty(const std::string& why, std::string caption) const;
  // When no trial has a result yet, the figure saying so (no_results_message); else nullopt.
  std::optional<Figure> no_results(const SweepData& data, const SweepFacts& facts) const;

  Svg svg;

 private:
  Figure figure_;
};
// Panels side by side across a width x height canvas, each as wide as its share of
// `weights`, inset by `m`.
std::vector<Frame> side_by_side(const std::vector<double>& weights, double width, double height,
                                const Margins& m);

// The loss axis over the min val losses of the ranked trials (those with a result).
LossAxis ranked_loss_axis(const SweepData& data, const SweepFacts& facts);

}  // namespace qrsweep::report
