// The report's figures, one function (and file) each: a standalone SVG plus the title and
// caption around it; missing data is said inside the panels, never drawn as empty axes.
#pragma once
#include <string>
#include <vector>

#include "report/sweep_data.h"
#include "report/sweep_facts.h"

namespace qrsweep::report {

struct Figure {
  std::string id;  // "coverage", ...: the page element's id and the PNG's file name
  std::string title;
  std::string caption;  // HTML
  std::string svg;      // a standalone SVG document
};

// (a) learning rate x batch size of the sampled trials beside as many Philox points,
// with marginal rugs and each set's squared centered discrepancy.
Figure coverage_figure(const SweepData& data, const SweepFacts& facts);
// The balanced categorical lists: trials per structure, layer count, activation, ...
Figure balance_figure(const SweepData& data, const SweepFacts& facts);
// (b) each continuous hyperparameter against min val loss.
Figure hyperparameter_figure(const SweepData& data, const SweepFacts& facts);
// (c) min val loss by structure family, activation and number of layers.
Figure category_figure(const SweepData& data, const SweepFacts& facts);
// (d) val_loss per epoch of the 10 best trials; the best trial's train and val loss.
Figure curves_figure(const SweepData& data, const SweepFacts& facts);
// (e) best-so-far min val loss against trials finished and against wall time.
Figure progress_figure(const SweepData& data, const SweepFacts& facts);

// A halving or hyperband sweep's rungs: every trial's val loss per epoch with the rungs
// marked, trials halved at a rung told apart from those that went on.
Figure rungs_figure(const SweepData& data, const SweepFacts& facts);

// Every figure, in page order (the rungs after the learning curves, for a halving or
// hyperband sweep only).
std::vector<Figure> all_figures(const SweepData& data, const SweepFacts& facts);

}  // namespace qrsweep::report
