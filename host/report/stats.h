// Summary statistics the plots draw: box-plot quartiles and whiskers, the running best
// (minimum) of a sequence, and a deterministic jitter for strip plots.
#pragma once
#include <vector>

namespace qrsweep::report {

struct BoxStats {
  int n = 0;  // finite values summarised
  double q1 = 0, median = 0, q3 = 0;
  double low = 0, high = 0;  // whiskers: the most extreme values within 1.5 IQR of the box
};
// Quartiles by linear interpolation (numpy's default); non-finite values are ignored.
BoxStats box_stats(std::vector<double> values);

// out[i] = the smallest finite value among values[0..i] (NaN until the first finite one).
std::vector<double> running_min(const std::vector<double>& values);

// A spread in [-0.5, 0.5) for item k: the golden-ratio sequence, so neighbours in a strip
// never pile up and the picture is the same every time.
double jitter(int k);

}  // namespace qrsweep::report
