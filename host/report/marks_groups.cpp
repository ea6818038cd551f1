// Box/strip groups, count bars and legends (see marks.h).
#include <algorithm>

#include "report/marks.h"
#include "report/plot_style.h"
#include "report/stats.h"

namespace qrsweep::report {

void box_strip(Svg& svg, const Frame& frame, const AxisScale& y,
               const std::vector<std::vector<double>>& groups,
               const std::vector<std::vector<std::string>>& titles) {
  const int n = static_cast<int>(groups.size());
  const double band = band_width(frame, n);
  const double half = std::min(band * 0.3, 40.0);
  for (int k = 0; k < n; ++k) {
    const double cx = band_center(frame, k, n);
    const std::string colour = color_class(k);
    const BoxStats b = box_stats(groups[k]);
    if (b.n >= 3) {  // fewer points say more on their own than a box would
      svg.line(cx, y(b.low), cx, y(b.q1), "mk-whisker " + colour);
      svg.line(cx, y(b.q3), cx, y(b.high), "mk-whisker " + colour);
      svg.line(cx - half / 2, y(b.low), cx + half / 2, y(b.low), "mk-whisker " + colour);
      svg.line(cx - half / 2, y(b.high), cx + half / 2, y(b.high), "mk-whisker " + colour);
      svg.rect(cx - half, y(b.q3), 2 * half, y(b.q1) - y(b.q3), "mk-box " + colour);
      svg.line(cx - half, y(b.median), cx + half, y(b.median), "mk-med " + colour);
    }
    const auto& values = groups[k];
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string title = k < static_cast<int>(titles.size()) && i < titles[k].size()
                                    ? titles[k][i]
                                    : std::string();
      const double px = cx + jitter(static_cast<int>(i)) * half * 1.6;
      if (y.usable(values[i]) && values[i] > y.hi())
        off_scale_mark(svg, frame, px, colour, title);
      else
        svg.circle(px, y(values[i]), 2.8, "mk-dot " + colour, title);
    }
  }
}

void count_bars(Svg& svg, const Frame& frame, const AxisScale& y, const std::vector<int>& counts,
                const std::string& cls) {
  const int n = static_cast<int>(counts.size());
  const double half = band_width(frame, n) * 0.32;
  for (int k = 0; k < n; ++k) {
    const double cx = band_center(frame, k, n);
    svg.rect(cx - half, y(counts[k]), 2 * half, y(0) - y(counts[k]), "mk-bar " + cls,
             std::to_string(counts[k]) + " trials");
    svg.text(cx, y(counts[k]) - 3, std::to_string(counts[k]), "middle", "tl");
  }
}

void legend(Svg& svg, double x, double y, const std::vector<LegendEntry>& entries) {
  for (const LegendEntry& e : entries) {
    if (e.line)
      svg.line(x, y - 3.5, x + 16, y - 3.5, "sw-line " + e.cls);
    else
      svg.circle(x + 5, y - 3.5, 3.5, "sw-dot " + e.cls);
    const double text_x = x + (e.line ? 20 : 12);
    svg.text(text_x, y, e.label, "start", "lg");
    x = text_x + 6.2 * static_cast<double>(e.label.size()) + 14;
  }
}

}  // namespace qrsweep::report
