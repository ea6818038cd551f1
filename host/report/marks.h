// The marks drawn inside an Axes (dots, rugs, lines, steps, box/strip groups, bars,
// legends); values that cannot be placed (NaN, inf, <= 0 on a log axis) are skipped.
#pragma once
#include <string>
#include <vector>

#include "report/axes.h"

namespace qrsweep::report {

struct Dot {
  double x = 0, y = 0;
  std::string cls;    // colour class (plot_style.h) plus any extra class
  std::string title;  // tooltip
};
// One circle per dot of radius r. A dot above the y domain (an outlier the axis leaves
// out, see figure_kit.h) is drawn as a small triangle on the frame's top edge instead.
void dots(Svg& svg, const Axes& ax, const std::vector<Dot>& ds, double r = 3.2);
// The triangle that stands for a value above the top of a y axis, at pixel x.
void off_scale_mark(Svg& svg, const Frame& frame, double px, const std::string& cls,
                    const std::string& title);

// Marginal rugs: a short tick per value, above the frame (x values) or right of it (y).
void rug_top(Svg& svg, const Axes& ax, const std::vector<double>& xs, const std::string& cls,
             double gap = 3, double length = 9);
void rug_right(Svg& svg, const Axes& ax, const std::vector<double>& ys, const std::string& cls,
               double gap = 3, double length = 9);

struct Series {
  std::vector<double> x, y;
  std::string cls;
  std::string title;
};
// A polyline through the points, broken at points that cannot be placed.
void line_series(Svg& svg, const Axes& ax, const Series& s);
// A staircase (value held until the next x): best-so-far curves.
void step_series(Svg& svg, const Axes& ax, const Series& s);

// Box plots with the points over them, one group per category band: groups[k] are the
// values of category k; titles[k][i] the tooltip of point i (may be empty).
void box_strip(Svg& svg, const Frame& frame, const AxisScale& y,
               const std::vector<std::vector<double>>& groups,
               const std::vector<std::vector<std::string>>& titles);

// One bar per category, from 0 to counts[k], with the count written above it.
void count_bars(Svg& svg, const Frame& frame, const AxisScale& y, const std::vector<int>& counts,
                const std::string& cls);

struct LegendEntry {
  std::string label;
  std::string cls;
  bool line = false;  // a line swatch instead of a dot
};
// Entries in a row starting at (x, y), each swatch followed by its label.
void legend(Svg& svg, double x, double y, const std::vector<LegendEntry>& entries);

}  // namespace qrsweep::report
