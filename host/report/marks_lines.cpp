// Line and step series (see marks.h).
#include "report/marks.h"

namespace qrsweep::report {

void line_series(Svg& svg, const Axes& ax, const Series& s) {
  std::vector<Point> pts;
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
    pts.emplace_back(ax.x(s.x[i]), ax.y(s.y[i]));
  svg.path(pts, "mk-line " + s.cls, s.title);
}

void step_series(Svg& svg, const Axes& ax, const Series& s) {
  // Each value holds horizontally until the next x, then the line drops to the new value;
  // an unplaceable value breaks the line (Svg::path drops non-finite points).
  std::vector<Point> pts;
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
    const double px = ax.x(s.x[i]), py = ax.y(s.y[i]);
    if (!pts.empty()) pts.emplace_back(px, pts.back().second);
    pts.emplace_back(px, py);
  }
  svg.path(pts, "mk-line " + s.cls, s.title);
}

}  // namespace qrsweep::report
