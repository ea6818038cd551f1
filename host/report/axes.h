// Plot areas and their axes: a panel's pixel box, x and y scales, grid, ticks, labels and
// title (numeric or categorical x), or a message where a panel has nothing to show.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "report/scale.h"
#include "report/svg.h"

namespace qrsweep::report {

// The plot area (where marks go) of one panel, in document pixels.
struct Frame {
  double left = 0, top = 0, width = 0, height = 0;
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

struct Margins {
  double left = 58, top = 24, right = 12, bottom = 40;
};

// The plot area of a panel whose box is (x, y, w, h), leaving `m` for labels and title.
Frame inner_frame(double x, double y, double w, double h, const Margins& m = Margins{});

struct Axes {
  Frame frame;
  AxisScale x, y;
};

// Scales over `frame` for the given domains (already padded as wanted).
Axes make_axes(const Frame& frame, AxisKind xkind, std::pair<double, double> xdomain,
               AxisKind ykind, std::pair<double, double> ydomain);

// Grid, frame, ticks and labels of a numeric panel, and its title above the frame.
void draw_axes(Svg& svg, const Axes& ax, const std::string& xlabel, const std::string& ylabel,
               const std::string& title);

// The x position of category k of n (band centre) and the band's width.
double band_center(const Frame& frame, int k, int n);
double band_width(const Frame& frame, int n);

// A panel with a categorical x axis: category names under their bands (a "\n" in a name
// starts a second line), numeric y axis.
void draw_category_axes(Svg& svg, const Frame& frame, const AxisScale& y,
                        const std::vector<std::string>& categories, const std::string& xlabel,
                        const std::string& ylabel, const std::string& title);

// The panel's title and, centred in its frame, why there is nothing to draw.
void draw_empty(Svg& svg, const Frame& frame, const std::string& title, const std::string& message);

}  // namespace qrsweep::report
