// The figures in page order (see figures.h).
#include "report/figures.h"

namespace qrsweep::report {

std::vector<Figure> all_figures(const SweepData& data, const SweepFacts& facts) {
  std::vector<Figure> out = {coverage_figure(data, facts), balance_figure(data, facts),
                             hyperparameter_figure(data, facts), category_figure(data, facts),
                             curves_figure(data, facts)};
  if (data.space.schedule.kind != ScheduleKind::kFull) out.push_back(rungs_figure(data, facts));
  out.push_back(progress_figure(data, facts));
  return out;
}

}  // namespace qrsweep::report
