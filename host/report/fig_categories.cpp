// Figure (c): min val loss by structure family, by activation and by number of hidden
// layers, as box plots with every trial's dot over them.
#include <algorithm>
#include <functional>

#include "report/figure_kit.h"
#include "report/figures.h"
#include "report/marks.h"

namespace qrsweep::report {
namespace {

constexpr double kWidth = 960, kHeight = 320;

struct Grouping {
  std::string title;
  std::vector<std::string> names;
  std::function<int(const TrialConfig&)> group;  // index into names, -1: none
};

std::vector<Grouping> groupings(const SweepData& data) {
  Grouping structure{"structure family", {}, [](const TrialConfig& c) {
                       const auto& ss = sampled_structures();
                       auto it = std::find(ss.begin(), ss.end(), c.structure);
                       return it == ss.end() ? -1 : static_cast<int>(it - ss.begin());
                     }};
  for (Structure s : sampled_structures()) structure.names.push_back(short_structure_name(s));
  std::vector<Activation> acts;
  for (Activation a : data.space.activations)
    if (std::find(acts.begin(), acts.end(), a) == acts.end()) acts.push_back(a);
  for (const ReportTrial& t : data.trials)
    if (std::find(acts.begin(), acts.end(), t.record.config.activation) == acts.end())
      acts.push_back(t.record.config.activation);
  Grouping activation{
      "activation", {}, [acts](const TrialConfig& c) {
        return static_cast<int>(std::find(acts.begin(), acts.end(), c.activation) - acts.begin());
      }};
  for (Activation a : acts) activation.names.push_back(activation_name(a));
  Grouping layers{"hidden layers", {}, [](const TrialConfig& c) {
                    return c.hidden_layers >= 2 && c.hidden_layers <= kMaxHiddenLayers
                               ? c.hidden_layers - 2
                               : -1;
                  }};
  for (int k = 2; k <= kMaxHiddenLayers; ++k) layers.names.push_back(std::to_string(k));
  return {structure, activation, layers};
}

}  // namespace

Figure category_figure(const SweepData& data, const SweepFacts& facts) {
  FigureCanvas c("categories", "Min val loss by structure, activation and depth", kWidth, kHeight);
  if (auto empty = c.no_results(data, facts)) return *empty;
  const LossAxis la = ranked_loss_axis(data, facts);
  const std::vector<Grouping> gs = groupings(data);
  std::vector<double> weights;  // a group's bands plus room for its axis
  for (const Grouping& g : gs) weights.push_back(g.names.size() + 1.2);
  const std::vector<Frame> frames = side_by_side(weights, kWidth, kHeight, Margins{58, 24, 10, 36});
  for (size_t n = 0; n < gs.size(); ++n) {
    const Grouping& g = gs[n];
    const Frame& frame = frames[n];
    std::vector<std::vector<double>> values(g.names.size());
    std::vector<std::vector<std::string>> titles(g.names.size());
    for (size_t i : facts.ranked) {
      const ReportTrial& t = data.trials[i];
      const int k = g.group(t.record.config);
      if (k < 0 || k >= static_cast<int>(values.size())) continue;
      values[k].push_back(t.record.min_val_loss);
      titles[k].push_back(trial_tooltip(t));
    }
    std::vector<std::string> labels;
    for (size_t k = 0; k < g.names.size(); ++k)
      labels.push_back(g.names[k] + "\n" + "n=" + std::to_string(values[k].size()));
    AxisScale y(la.kind, la.domain.first, la.domain.second, frame.bottom(), frame.top);
    draw_category_axes(c.svg, frame, y, labels, "", loss_label(la), g.title);
    box_strip(c.svg, frame, y, values, titles);
  }
  return c.done("Min val loss of the " + std::to_string(facts.ranked.size()) +
                " finished trials with a finite loss, grouped three ways; n is each "
                "group's count. Boxes span the quartiles with the median inside; "
                "whiskers reach the furthest trial within 1.5 interquartile ranges. "
                "Groups of fewer than three trials show their dots only." +
                off_scale_note(la));
}

}  // namespace qrsweep::report
