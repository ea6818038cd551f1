// Figure (a), the notebook's first picture: how evenly the sweep's points cover the
// learning-rate x batch-size square, beside as many Philox pseudo-random points.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "qrsweep/discrepancy.h"
#include "qrsweep/philox.h"
#include "qrsweep/sampler.h"
#include "report/figure_kit.h"
#include "report/figures.h"
#include "report/marks.h"
#include "report/plot_style.h"

namespace qrsweep::report {
namespace {

constexpr double kWidth = 960, kHeight = 430;

// The comparison points come from a Philox stream no trial and no sampler family uses
// (trial word 0xFFFFFFFF), so they are the same for the same sweep seed every time.
std::vector<double> philox_unit_points(uint64_t seed, size_t n) {
  const PhiloxStream stream{seed, 0xFFFFFFFFu, purpose_word(Purpose::kSampler, 0xFFFFFFu)};
  std::vector<double> out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    const Philox4 b = stream.block(i);
    out.push_back(uniform01_53(b.v[0], b.v[1]));
    out.push_back(uniform01_53(b.v[2], b.v[3]));
  }
  return out;
}

double clamp01(double v) { return std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : 0.5; }

std::string cd2_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

void coverage_panel(Svg& svg, double x0, const SearchSpace& sp, const std::vector<double>& lr,
                    const std::vector<double>& bs, const std::string& cls,
                    const std::string& title) {
  const Frame frame = inner_frame(x0, 0, kWidth / 2, kHeight, Margins{62, 50, 34, 44});
  const AxisKind xk = axis_kind(sp.learning_rate.scale), yk = axis_kind(sp.batch_size.scale);
  const Axes ax = make_axes(frame, xk, pad({sp.learning_rate.low, sp.learning_rate.high}, xk, 0.03),
                            yk, pad({sp.batch_size.low, sp.batch_size.high}, yk, 0.03));
  draw_axes(svg, ax, std::string("learning rate") + (xk == AxisKind::kLog ? " (log)" : ""),
            std::string("batch size") + (yk == AxisKind::kLog ? " (log)" : ""), "");
  svg.text(frame.left, 14, title, "start", "pt");
  std::vector<Dot> ds;
  for (size_t i = 0; i < lr.size(); ++i) ds.push_back({lr[i], bs[i], cls, ""});
  dots(svg, ax, ds, lr.size() > 400 ? 2.2 : 3.4);
  rug_top(svg, ax, lr, cls);
  rug_right(svg, ax, bs, cls);
}

}  // namespace

Figure coverage_figure(const SweepData& data, const SweepFacts&) {
  FigureCanvas c("coverage", "Coverage of the search space", kWidth, kHeight);
  const SearchSpace& sp = data.space;
  const size_t n = data.trials.size();
  if (n == 0) {
    return c.empty("the store holds no trials", "The store holds no trials.");
  }
  std::vector<double> lr, bs, unit;
  for (const ReportTrial& t : data.trials) {
    lr.push_back(t.record.config.learning_rate);
    bs.push_back(t.record.config.batch_size);
    unit.push_back(clamp01(sp.learning_rate.unit(lr.back())));
    unit.push_back(clamp01(sp.batch_size.unit(bs.back())));
  }
  // Batch sizes are rounded like the sampler rounds them, so both sets carry the same
  // rounding into their discrepancy.
  const std::vector<double> rnd = philox_unit_points(sp.seed, n);
  std::vector<double> rlr, rbs, runit;
  for (size_t i = 0; i < n; ++i) {
    rlr.push_back(sp.learning_rate.at(rnd[2 * i]));
    rbs.push_back(std::max(1, round_half_even(sp.batch_size.at(rnd[2 * i + 1]))));
    runit.push_back(rnd[2 * i]);
    runit.push_back(clamp01(sp.batch_size.unit(rbs.back())));
  }
  const double cd_sampled = centered_discrepancy_sq(unit, 2);
  const double cd_random = centered_discrepancy_sq(runit, 2);
  const std::string sampler = sampler_name(sp.sampler);
  coverage_panel(c.svg, 0, sp, lr, bs, color_class(0),
                 "sampled (" + sampler + "), n = " + std::to_string(n) +
                     ":  CD\u00b2 = " + cd2_text(cd_sampled));
  coverage_panel(
      c.svg, kWidth / 2, sp, rlr, rbs, color_class(1),
      "Philox pseudo-random, n = " + std::to_string(n) + ":  CD\u00b2 = " + cd2_text(cd_random));
  return c.done("Learning rate against batch size of every trial row read (left, sampler <b>" +
                sampler +
                "</b>) and of as many Philox pseudo-random points over the same ranges "
                "(right), each with its marginal rugs above and to the right. Squared centered L2 "
                "discrepancy of each set in the unit square (lower is more even): sampled <b>" +
                cd2_text(cd_sampled) + "</b>, pseudo-random <b>" + cd2_text(cd_random) +
                "</b>. Batch sizes are rounded to integers in both sets.");
}

}  // namespace qrsweep::report
