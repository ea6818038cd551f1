// The figures in page order (see figures.h).
#include "report/figures.h"

namespace qrsweep::report {

std::vector<Figure> all_figures(const SweepData& data, const SweepFacts& facts) {
  return {coverage_figure(data, facts),       balance_figure(data, facts),
          hyperparameter_figure(data, facts), category_figure(data, facts),
          curves_figure(data, facts),         progress_figure(data, facts)};
}

}  // namespace qrsweep::report
