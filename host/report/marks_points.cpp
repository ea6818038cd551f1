// Dots and marginal rugs (see marks.h).
#include "report/marks.h"

namespace qrsweep::report {

void off_scale_mark(Svg& svg, const Frame& frame, double px, const std::string& cls,
                    const std::string& title) {
  const double top = frame.top + 1;
  svg.polygon({{px - 4, top + 7}, {px + 4, top + 7}, {px, top}}, "mk-dot " + cls,
              title + " (above the axis)");
}

void dots(Svg& svg, const Axes& ax, const std::vector<Dot>& ds, double r) {
  for (const Dot& d : ds) {
    if (ax.y.usable(d.y) && d.y > ax.y.hi())
      off_scale_mark(svg, ax.frame, ax.x(d.x), d.cls, d.title);
    else
      svg.circle(ax.x(d.x), ax.y(d.y), r, "mk-dot " + d.cls, d.title);
  }
}

void rug_top(Svg& svg, const Axes& ax, const std::vector<double>& xs, const std::string& cls,
             double gap, double length) {
  const double y1 = ax.frame.top - gap;
  for (double v : xs) {
    const double px = ax.x(v);
    svg.line(px, y1 - length, px, y1, "mk-rug " + cls);
  }
}

void rug_right(Svg& svg, const Axes& ax, const std::vector<double>& ys, const std::string& cls,
               double gap, double length) {
  const double x0 = ax.frame.right() + gap;
  for (double v : ys) {
    const double py = ax.y(v);
    svg.line(x0, py, x0 + length, py, "mk-rug " + cls);
  }
}

}  // namespace qrsweep::report
