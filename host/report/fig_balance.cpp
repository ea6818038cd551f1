// The notebook's second picture: how evenly the balanced lists spread each categorical choice over
// the trials (getUniformList, docs/semantics.md#balanced-lists), counted over every trial row.
#include <algorithm>

#include "report/figure_kit.h"
#include "report/figures.h"
#include "report/marks.h"
#include "report/plot_style.h"

namespace qrsweep::report {
namespace {

constexpr double kWidth = 960, kHeight = 240;

struct CountPanel {
  std::string title;
  std::vector<std::string> names;
  std::vector<int> counts;
};

std::vector<CountPanel> count_panels(const SweepData& data) {
  CountPanel structure{"structure", {}, {}}, layers{"hidden layers", {}, {}},
      activation{"activation", {}, {}}, dropout{"allow dropout", {"no", "yes"}, {0, 0}},
      momentum{"allow momentum", {"no", "yes"}, {0, 0}};
  for (Structure s : sampled_structures()) {
    std::string name = short_structure_name(s);  // "asc. min" -> two lines: bands are narrow
    const size_t space = name.find(' ');
    if (space != std::string::npos) name[space] = '\n';
    structure.names.push_back(name);
    structure.counts.push_back(0);
  }
  for (int k = 2; k <= kMaxHiddenLayers; ++k) {
    layers.names.push_back(std::to_string(k));
    layers.counts.push_back(0);
  }
  std::vector<Activation> acts;
  for (Activation a : data.space.activations)
    if (std::find(acts.begin(), acts.end(), a) == acts.end()) acts.push_back(a);
  for (const ReportTrial& t : data.trials)
    if (std::find(acts.begin(), acts.end(), t.record.config.activation) == acts.end())
      acts.push_back(t.record.config.activation);
  for (Activation a : acts) {
    activation.names.push_back(activation_name(a));
    activation.counts.push_back(0);
  }
  for (const ReportTrial& t : data.trials) {
    const TrialConfig& c = t.record.config;
    const auto& ss = sampled_structures();
    auto si = std::find(ss.begin(), ss.end(), c.structure);
    if (si != ss.end()) ++structure.counts[si - ss.begin()];
    if (c.hidden_layers >= 2 && c.hidden_layers <= kMaxHiddenLayers)
      ++layers.counts[c.hidden_layers - 2];
    ++activation.counts[std::find(acts.begin(), acts.end(), c.activation) - acts.begin()];
    ++dropout.counts[c.allow_dropout ? 1 : 0];
    ++momentum.counts[c.allow_momentum ? 1 : 0];
  }
  return {structure, layers, activation, dropout, momentum};
}

// A panel's share of the width: its bands, at least room for its title, plus its axis.
double panel_weight(const CountPanel& p) {
  return std::max(static_cast<double>(p.names.size()), 3.0) + 1.5;
}

}  // namespace

Figure balance_figure(const SweepData& data, const SweepFacts&) {
  FigureCanvas c("balance", "Balanced categorical choices", kWidth, kHeight);
  if (data.trials.empty()) {
    return c.empty("the store holds no trials", "The store holds no trials.");
  }
  const std::vector<CountPanel> panels = count_panels(data);
  int max_count = 1;
  std::vector<double> weights;
  for (const CountPanel& p : panels) {
    weights.push_back(panel_weight(p));
    for (int c : p.counts) max_count = std::max(max_count, c);
  }
  const std::vector<Frame> frames = side_by_side(weights, kWidth, kHeight, Margins{44, 26, 8, 34});
  for (size_t k = 0; k < panels.size(); ++k) {
    const CountPanel& p = panels[k];
    const Frame& frame = frames[k];
    AxisScale y(AxisKind::kLinear, 0, max_count * 1.15, frame.bottom(), frame.top);
    y.set_integer(true);
    draw_category_axes(c.svg, frame, y, p.names, "", k == 0 ? "trials" : "", p.title);
    count_bars(c.svg, frame, y, p.counts, color_class(static_cast<int>(k)));
  }
  return c.done(
      "Trials per option of each categorical choice, over the " +
      std::to_string(data.trials.size()) +
      " trial rows read. Each choice comes from a balanced list (the notebook's "
      "getUniformList): every item of a k-item list appears n // k or n // k + 1 times. The "
      "structure list holds uniform twice and random four times, and the allow-dropout and "
      "allow-momentum lists one no and three yes, on purpose "
      "(docs/semantics.md#forced-diversification).");
}

}  // namespace qrsweep::report
