// Views onto datasets: row windows and the train / validation split (docs/semantics.md#data: the
// first `validation` training rows validate, the rest fit).
#include "qrsweep/dataset.h"

#include "qrsweep/common.h"

namespace qrsweep {

DatasetView DatasetView::rows(int begin, int count) const {
  if (begin < 0 || count < 0 || begin > n || count > n - begin)
    throw Error("rows(" + std::to_string(begin) + ", " + std::to_string(count) +
                ") is outside a view of " + std::to_string(n) + " rows");
  DatasetView v = *this;
  v.x = x ? x + static_cast<size_t>(begin) * dim : nullptr;
  v.xf = xf ? xf + static_cast<size_t>(begin) * dim : nullptr;
  v.y = y ? y + begin : nullptr;
  v.n = count;
  return v;
}

namespace {
void check_validation(const DataSplits& s) {
  if (s.validation < 0 || s.validation >= s.train.n)
    throw DataError("validation rows (" + std::to_string(s.validation) +
                    ") must be fewer than the training rows (" + std::to_string(s.train.n) +
                    ") of " + s.train.source);
}
}  // namespace

DatasetView DataSplits::fit() const {
  check_validation(*this);
  return train.view().rows(validation, train.n - validation);
}

DatasetView DataSplits::val() const {
  check_validation(*this);
  return train.view().rows(0, validation);
}

}  // namespace qrsweep
