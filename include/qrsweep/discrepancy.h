// The squared centered L2 discrepancy (docs/semantics.md#discrepancy; scipy's qmc.discrepancy
// default), the yardstick the tests and the sweep report use for how evenly points fill [0, 1)^d.
#pragma once
#include <vector>

namespace qrsweep {

// `points` is row-major [n][d], every coordinate in [0, 1]. O(n^2 d). Throws ConfigError
// when d < 1 or points.size() is not a multiple of d, or when there are no points.
double centered_discrepancy_sq(const std::vector<double>& points, int d);

}  // namespace qrsweep
