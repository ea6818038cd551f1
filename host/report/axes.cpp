// Axes, ticks and panel titles (see axes.h).
#include "report/axes.h"

#include <cmath>

namespace qrsweep::report {
namespace {

void draw_y_axis(Svg& svg, const Frame& f, const AxisScale& y, const std::string& ylabel) {
  for (double v : y.ticks(5)) {
    const double py = y(v);
    svg.line(f.left, py, f.right(), py, "grid");
    svg.line(f.left - 4, py, f.left, py, "tick");
    svg.text(f.left - 6, py + 3.5, y.tick_label(v), "end", "tl");
  }
  svg.text(f.left - 46, f.top + f.height / 2, ylabel, "middle", "al", -90);
}

void draw_title(Svg& svg, const Frame& f, const std::string& title) {
  if (!title.empty()) svg.text(f.left, f.top - 8, title, "start", "pt");
}

}  // namespace

Frame inner_frame(double x, double y, double w, double h, const Margins& m) {
  return Frame{x + m.left, y + m.top, w - m.left - m.right, h - m.top - m.bottom};
}

Axes make_axes(const Frame& frame, AxisKind xkind, std::pair<double, double> xdomain,
               AxisKind ykind, std::pair<double, double> ydomain) {
  return Axes{frame, AxisScale(xkind, xdomain.first, xdomain.second, frame.left, frame.right()),
              AxisScale(ykind, ydomain.first, ydomain.second, frame.bottom(), frame.top)};
}

void draw_axes(Svg& svg, const Axes& ax, const std::string& xlabel, const std::string& ylabel,
               const std::string& title) {
  const Frame& f = ax.frame;
  svg.open_group("axes");
  for (double v : ax.x.ticks(5)) {
    const double px = ax.x(v);
    svg.line(px, f.top, px, f.bottom(), "grid");
    svg.line(px, f.bottom(), px, f.bottom() + 4, "tick");
    svg.text(px, f.bottom() + 15, ax.x.tick_label(v), "middle", "tl");
  }
  draw_y_axis(svg, f, ax.y, ylabel);
  svg.rect(f.left, f.top, f.width, f.height, "frame");
  svg.text(f.left + f.width / 2, f.bottom() + 32, xlabel, "middle", "al");
  draw_title(svg, f, title);
  svg.close_group();
}

double band_width(const Frame& frame, int n) { return frame.width / (n > 0 ? n : 1); }

double band_center(const Frame& frame, int k, int n) {
  return frame.left + (k + 0.5) * band_width(frame, n);
}

void draw_category_axes(Svg& svg, const Frame& f, const AxisScale& y,
                        const std::vector<std::string>& categories, const std::string& xlabel,
                        const std::string& ylabel, const std::string& title) {
  svg.open_group("axes");
  const int n = static_cast<int>(categories.size());
  for (int k = 0; k < n; ++k) {
    const double px = band_center(f, k, n);
    svg.line(px, f.bottom(), px, f.bottom() + 4, "tick");
    // A "\n" in a name starts a second line (e.g. the group's count).
    const std::string& name = categories[k];
    const size_t nl = name.find('\n');
    svg.text(px, f.bottom() + 15, name.substr(0, nl), "middle", "tl");
    if (nl != std::string::npos) svg.text(px, f.bottom() + 27, name.substr(nl + 1), "middle", "tl");
  }
  draw_y_axis(svg, f, y, ylabel);
  svg.rect(f.left, f.top, f.width, f.height, "frame");
  svg.text(f.left + f.width / 2, f.bottom() + 32, xlabel, "middle", "al");
  draw_title(svg, f, title);
  svg.close_group();
}

void draw_empty(Svg& svg, const Frame& f, const std::string& title, const std::string& message) {
  svg.open_group("axes");
  svg.rect(f.left, f.top, f.width, f.height, "frame");
  draw_title(svg, f, title);
  svg.text(f.left + f.width / 2, f.top + f.height / 2, message, "middle", "note");
  svg.close_group();
}

}  // namespace qrsweep::report
