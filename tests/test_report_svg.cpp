// The report's SVG plotting module without a browser: scales, ticks, labels, NaN handling,
// box statistics, running minimum, loss axes and the timestamps behind finish order.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>

#include "report/axes.h"
#include "report/figure_kit.h"
#include "report/marks.h"
#include "report/scale.h"
#include "report/stats.h"
#include "report/svg.h"
#include "report/trial_times.h"

namespace qrsweep::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// Whether any coordinate or path in the document spells a non-finite number.
bool has_non_finite_number(const std::string& svg) {
  static const std::regex re(R"((="|[ ML])-?(nan|inf))", std::regex::icase);
  return std::regex_search(svg, re);
}

TEST(AxisScale, LinearMapsTheDomainOntoThePixelSpanEitherWay) {
  AxisScale x(AxisKind::kLinear, 2, 6, 100, 300);
  EXPECT_DOUBLE_EQ(x(2), 100);
  EXPECT_DOUBLE_EQ(x(6), 300);
  EXPECT_DOUBLE_EQ(x(3), 150);
  AxisScale y(AxisKind::kLinear, 0, 1, 200, 0);  // y grows upwards
  EXPECT_DOUBLE_EQ(y(0.25), 150);
}

TEST(AxisScale, LogPlacesEachDecadeEqually) {
  AxisScale x(AxisKind::kLog, 1e-4, 1e-2, 0, 100);
  EXPECT_NEAR(x(1e-3), 50, 1e-9);
  EXPECT_NEAR(x(1e-4), 0, 1e-9);
  EXPECT_NEAR(x(std::sqrt(10) * 1e-4), 25, 1e-9);
}

TEST(AxisScale, ValuesThatCannotBePlacedMapToNaN) {
  AxisScale lin(AxisKind::kLinear, 0, 1, 0, 10);
  EXPECT_TRUE(std::isnan(lin(kNaN)));
  EXPECT_TRUE(std::isnan(lin(kInf)));
  EXPECT_TRUE(std::isnan(lin(-kInf)));
  AxisScale lg(AxisKind::kLog, 0.1, 10, 0, 10);
  EXPECT_TRUE(std::isnan(lg(0)));
  EXPECT_TRUE(std::isnan(lg(-1)));
  EXPECT_FALSE(std::isnan(lg(1)));
}

TEST(AxisScale, DegenerateAndInvalidDomainsStillMapInsideTheSpan) {
  AxisScale one(AxisKind::kLinear, 5, 5, 0, 100);
  EXPECT_NEAR(one(5), 50, 1e-9);
  AxisScale lg(AxisKind::kLog, 0.3, 0.3, 0, 100);
  EXPECT_NEAR(lg(0.3), 50, 1e-9);
  AxisScale bad(AxisKind::kLog, -1, 10, 0, 100);  // a log axis cannot start at -1
  EXPECT_GT(bad.lo(), 0);
  EXPECT_TRUE(std::isfinite(bad(5)));
}

TEST(AxisScale, LinearTicksAreRoundEvenlySpacedAndInside) {
  for (auto [lo, hi] : {std::pair{0.0, 1.0}, {-3.7, 12.2}, {0.00041, 0.0052}, {5.0, 600.0}}) {
    AxisScale x(AxisKind::kLinear, lo, hi, 0, 100);
    const std::vector<double> t = x.ticks(5);
    ASSERT_GE(t.size(), 3u) << lo << ".." << hi;
    ASSERT_LE(t.size(), 12u) << lo << ".." << hi;
    const double step = t[1] - t[0];
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
    EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 ||
                std::fabs(mantissa - 5) < 1e-6)
        << step;
    for (size_t i = 0; i < t.size(); ++i) {
      EXPECT_GE(t[i], lo - 1e-12);
      EXPECT_LE(t[i], hi + 1e-12);
      if (i > 0) {
        EXPECT_NEAR(t[i] - t[i - 1], step, step * 1e-9);
      }
    }
  }
  AxisScale unit(AxisKind::kLinear, 0, 1, 0, 100);
  EXPECT_EQ(unit.ticks(5), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1}));
}

TEST(AxisScale, LogTicksAreDecadesOrTheirOneTwoFiveSteps) {
  AxisScale wide(AxisKind::kLog, 1e-4, 0.1, 0, 100);
  const std::vector<double> w = wide.ticks(5);
  ASSERT_EQ(w.size(), 4u);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(w[i], std::pow(10.0, -4.0 + i), 1e-15);
  AxisScale narrow(AxisKind::kLog, 0.0005, 0.005, 0, 100);
  const std::vector<double> n = narrow.ticks(5);
  ASSERT_EQ(n.size(), 4u);
  EXPECT_NEAR(n[0], 0.0005, 1e-15);
  EXPECT_NEAR(n[1], 0.001, 1e-15);
  EXPECT_NEAR(n[2], 0.002, 1e-15);
  EXPECT_NEAR(n[3], 0.005, 1e-15);
  AxisScale tight(AxisKind::kLog, 0.3, 0.6, 0, 100);  // no 1-2-5 value inside but 0.5
  const std::vector<double> t = tight.ticks(5);
  ASSERT_GE(t.size(), 2u);
  for (double v : t) EXPECT_TRUE(v >= 0.3 && v <= 0.6) << v;
}

TEST(AxisScale, IntegerAxesKeepWholeNumbersOnly) {
  AxisScale epochs(AxisKind::kLinear, 0.9, 3.1, 0, 100);
  epochs.set_integer(true);
  EXPECT_EQ(epochs.ticks(5), (std::vector<double>{1, 2, 3}));
}

TEST(AxisScale, TickLabelsAreShort) {
  AxisScale x(AxisKind::kLinear, 0, 1, 0, 1);
  EXPECT_EQ(x.tick_label(0.6000000000000001), "0.6");
  EXPECT_EQ(x.tick_label(1500), "1500");
  EXPECT_EQ(x.tick_label(1e-4), "0.0001");
  EXPECT_EQ(x.tick_label(1e-5), "1e-5");
  EXPECT_EQ(x.tick_label(0.0005), "0.0005");
  EXPECT_EQ(x.tick_label(2.5e6), "2.5e6");
  EXPECT_EQ(short_number(kNaN), "NaN");
  EXPECT_EQ(short_number(-kInf), "-inf");
}

TEST(Extent, IgnoresWhatAnAxisCannotShow) {
  auto e = extent({kNaN, 3, -2, kInf, 7}, AxisKind::kLinear);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, std::make_pair(-2.0, 7.0));
  auto l = extent({0, -2, 0.5, 4}, AxisKind::kLog);
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, std::make_pair(0.5, 4.0));
  EXPECT_FALSE(extent({kNaN, kInf}, AxisKind::kLinear));
  EXPECT_FALSE(extent({0, -1}, AxisKind::kLog));
  auto p = pad({2, 2}, AxisKind::kLinear);
  EXPECT_LT(p.first, 2);
  EXPECT_GT(p.second, 2);
  auto q = pad({1, 100}, AxisKind::kLog, 0.5);  // half a span of two decades each side
  EXPECT_NEAR(q.first, 0.1, 1e-12);
  EXPECT_NEAR(q.second, 1000, 1e-9);
}

TEST(Svg, NonFiniteCoordinatesAreNeverWritten) {
  Svg svg(100, 50);
  svg.circle(10, 10, 2, "mk-dot c0");
  svg.circle(kNaN, 10, 2, "mk-dot c0");
  svg.circle(10, kInf, 2, "mk-dot c0");
  svg.line(0, 0, kNaN, 1, "mk-rug c0");
  svg.rect(0, 0, kInf, 4, "mk-bar c0");
  svg.text(kNaN, 3, "lost", "start", "tl");
  EXPECT_EQ(svg.dropped(), 5);
  const std::string s = svg.str();
  EXPECT_EQ(count(s, "<circle"), 1);
  EXPECT_EQ(count(s, "<line"), 0);
  EXPECT_EQ(count(s, "class=\"mk-bar"), 0);
  EXPECT_EQ(count(s, "lost"), 0);
  EXPECT_FALSE(has_non_finite_number(s)) << s;
}

TEST(Svg, PathsBreakAtNonFinitePointsAndDropLoneOnes) {
  Svg svg(100, 50);
  svg.path({{0, 0}, {1, 1}, {kNaN, 2}, {3, 3}, {4, 4}, {5, kInf}, {6, 6}}, "mk-line c0");
  const std::string s = svg.str();
  EXPECT_NE(s.find("d=\"M0 0L1 1M3 3L4 4\""), std::string::npos) << s;
  Svg lone(10, 10);
  lone.path({{1, 1}, {kNaN, 0}, {2, 2}}, "mk-line c0");
  EXPECT_EQ(count(lone.str(), "<path"), 0);
}

TEST(Svg, PolygonsWithANonFinitePointAreDroppedWhole) {
  Svg svg(10, 10);
  svg.polygon({{0, 0}, {1, kNaN}, {2, 2}}, "mk-dot c0");
  svg.polygon({{0, 0}, {1, 1}}, "mk-dot c0");  // not a shape
  EXPECT_EQ(svg.dropped(), 2);
  EXPECT_EQ(count(svg.str(), "<polygon"), 0);
}

TEST(Svg, EscapesTextAndClosesTheDocument) {
  Svg svg(10, 10);
  svg.open_group("g");
  svg.text(1, 2, "a<b & \"c\"", "middle");
  const std::string s = svg.str();
  EXPECT_NE(s.find("a&lt;b &amp; &quot;c&quot;"), std::string::npos);
  EXPECT_NE(s.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(s.substr(s.size() - 10), "</g></svg>");
  EXPECT_EQ(coord(1.004), "1");
  EXPECT_EQ(coord(-0.001), "0");
  EXPECT_EQ(coord(2.5), "2.5");
}

TEST(Marks, DotsOnALogAxisSkipValuesItCannotShow) {
  Svg svg(200, 200);
  const Axes ax =
      make_axes(inner_frame(0, 0, 200, 200), AxisKind::kLog, {0.1, 10}, AxisKind::kLinear, {0, 1});
  dots(svg, ax,
       {{1, 0.5, "c0", ""},
        {0, 0.5, "c0", ""},
        {-1, 0.5, "c0", ""},
        {2, kNaN, "c0", ""},
        {5, 0.2, "c0", "t"}});
  const std::string s = svg.str();
  EXPECT_EQ(count(s, "<circle"), 2);
  EXPECT_FALSE(has_non_finite_number(s));
}

TEST(Marks, DotsAboveTheYDomainBecomeTrianglesOnTheTopEdge) {
  Svg svg(200, 200);
  const Axes ax =
      make_axes(Frame{0, 10, 100, 100}, AxisKind::kLinear, {0, 1}, AxisKind::kLinear, {0, 1});
  dots(svg, ax, {{0.5, 0.5, "c0", ""}, {0.5, 7, "c0", "trial 3"}});
  const std::string s = svg.str();
  EXPECT_EQ(count(s, "<circle"), 1);
  EXPECT_EQ(count(s, "<polygon"), 1);
  EXPECT_NE(s.find("points=\"46,18 54,18 50,11\""), std::string::npos) << s;
  EXPECT_NE(s.find("trial 3 (above the axis)"), std::string::npos);
}

TEST(LossAxis, LeavesFarOutliersAboveALinearAxis) {
  std::vector<double> v = {0.31, 0.35, 0.38, 0.4, 0.42, 0.45, 0.5, 0.55, 0.6, 2.3, kNaN};
  const LossAxis a = loss_axis(v);
  EXPECT_EQ(a.kind, AxisKind::kLinear);
  EXPECT_EQ(a.above, 1);
  EXPECT_GT(a.domain.second, 0.6);
  EXPECT_LT(a.domain.second, 2.3);
  EXPECT_LT(a.domain.first, 0.31);
  EXPECT_NE(off_scale_note(a), "");
  // Lines keep every value; so does a small sample.
  EXPECT_EQ(loss_axis(v, /*outliers_above=*/false).above, 0);
  EXPECT_GT(loss_axis(v, false).domain.second, 2.3);
  EXPECT_EQ(loss_axis({0.3, 0.4, 2.3}).above, 0);
  EXPECT_EQ(off_scale_note(loss_axis({0.3, 0.4, 2.3})), "");
}

TEST(LossAxis, GoesLogWhenLossesSpanOverThirtyTimes) {
  const LossAxis a = loss_axis({0.001, 0.01, 0.5, 2.0});
  EXPECT_EQ(a.kind, AxisKind::kLog);
  EXPECT_EQ(a.above, 0);
  EXPECT_LT(a.domain.first, 0.001);
  EXPECT_GT(a.domain.second, 2.0);
  EXPECT_EQ(loss_axis({0.1, 0.2, 2.9}).kind, AxisKind::kLinear);
  EXPECT_EQ(loss_axis({0.0, 0.5, 2.0}).kind, AxisKind::kLinear);  // zero: no log axis
  const LossAxis none = loss_axis({kNaN});
  EXPECT_TRUE(std::isfinite(none.domain.first) && std::isfinite(none.domain.second));
}

TEST(Marks, StepSeriesHoldsEachValueUntilTheNext) {
  Svg svg(110, 110);
  const Axes ax =
      make_axes(Frame{0, 0, 100, 100}, AxisKind::kLinear, {0, 10}, AxisKind::kLinear, {0, 10});
  step_series(svg, ax, {{0, 5, 10}, {8, 4, 2}, "c0", ""});
  // (0,8) -> (5,8) -> (5,4) -> (10,4) -> (10,2) in pixels, y flipped.
  EXPECT_NE(svg.str().find("d=\"M0 20L50 20L50 60L100 60L100 80\""), std::string::npos)
      << svg.str();
}

TEST(Stats, BoxStatsMatchNumpyQuartilesAndWhiskers) {
  BoxStats b = box_stats({5, 1, 4, 2, 3, kNaN});
  EXPECT_EQ(b.n, 5);
  EXPECT_DOUBLE_EQ(b.q1, 2);
  EXPECT_DOUBLE_EQ(b.median, 3);
  EXPECT_DOUBLE_EQ(b.q3, 4);
  EXPECT_DOUBLE_EQ(b.low, 1);
  EXPECT_DOUBLE_EQ(b.high, 5);
  BoxStats o = box_stats({1, 2, 3, 4, 100});  // 100 lies beyond q3 + 1.5 IQR = 7
  EXPECT_DOUBLE_EQ(o.high, 4);
  BoxStats e = box_stats({1, 2, 3, 4});  // numpy: q1 = 1.75, median 2.5, q3 = 3.25
  EXPECT_DOUBLE_EQ(e.q1, 1.75);
  EXPECT_DOUBLE_EQ(e.median, 2.5);
  EXPECT_DOUBLE_EQ(e.q3, 3.25);
  EXPECT_EQ(box_stats({kNaN, kInf}).n, 0);
}

TEST(Stats, RunningMinSkipsNonFiniteValues) {
  const std::vector<double> m = running_min({kNaN, 3, 5, kNaN, 2, kInf, 4});
  ASSERT_EQ(m.size(), 7u);
  EXPECT_TRUE(std::isnan(m[0]));
  EXPECT_EQ(std::vector<double>(m.begin() + 1, m.end()), (std::vector<double>{3, 3, 3, 2, 2, 2}));
}

TEST(Stats, JitterStaysInsideItsBand) {
  for (int k = 0; k < 1000; ++k) {
    EXPECT_GE(jitter(k), -0.5);
    EXPECT_LT(jitter(k), 0.5);
  }
  EXPECT_NE(jitter(1), jitter(2));
}

TEST(TrialTimes, ParsesTheStoresUtcTimestamps) {
  double r = 0;
  EXPECT_DOUBLE_EQ(parse_utc("1970-01-01T00:00:10Z", &r), 10);
  EXPECT_DOUBLE_EQ(r, 1);
  EXPECT_DOUBLE_EQ(parse_utc("2000-03-01T00:00:00Z"), 951868800);
  EXPECT_NEAR(parse_utc("1970-01-01T00:01:00.25Z", &r), 60.25, 1e-9);
  EXPECT_DOUBLE_EQ(r, 0.01);
  EXPECT_TRUE(std::isnan(parse_utc("")));
  EXPECT_TRUE(std::isnan(parse_utc("2024-01-01 00:00:00")));
  EXPECT_TRUE(std::isnan(parse_utc("2024-01-01T00:00:00Zjunk")));
}

TEST(TrialTimes, FinishEstimateRefinesWithinTheTimestampResolution) {
  // Started at 90 (truncated: really in [90, 91)), ran 10.3 s, finished_at 100 (really in
  // [100, 101)): the finish is in [100.3, 101), estimated at its middle.
  EXPECT_NEAR(finish_estimate({90, 100, 1}, 10.3), 100.65, 1e-9);
  // Two trials finishing within the same second keep their order.
  EXPECT_LT(finish_estimate({95, 100, 1}, 5.1), finish_estimate({95, 100, 1}, 5.8));
  EXPECT_TRUE(std::isnan(finish_estimate({90, kNaN, 1}, 3)));
  EXPECT_NEAR(finish_estimate({kNaN, 100, 1}, 3), 100.5, 1e-9);
}

}  // namespace
}  // namespace qrsweep::report
