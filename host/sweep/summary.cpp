// The notebook's closing output (its cells 33 and 34): the best trial's columns as
// "Column : value", then the test loss and accuracy.
#include <cstdio>

#include "qrsweep/export.h"
#include "qrsweep/number_format.h"
#include "qrsweep/sweep.h"

namespace qrsweep {

void print_summary(std::FILE* out, const TrialRecord& best, const TestRecord& test) {
  const Table t = trials_table({best});
  for (size_t c = 0; c < notebook_column_count(); ++c)
    std::fprintf(out, "%s : %s\n", t.columns[c].c_str(), t.rows[0][c].text.c_str());
  std::fprintf(out, "Trial : %d (seed %llu)\n", best.config.index,
               static_cast<unsigned long long>(best.config.seed));
  std::fprintf(out, "Retrain epochs : %d\n", test.retrain_epochs);
  std::fprintf(out, "The test loss was: %s\n", format_double(test.test_loss).c_str());
  std::fprintf(out, "The test accuracy was: %s\n", format_double(test.test_accuracy).c_str());
  std::fflush(out);
}

}  // namespace qrsweep
