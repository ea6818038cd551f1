// The train / validation split's `split = "stratified"` (dataset.h): a seeded choice of
// validation rows that holds every class in proportion, moved to the front.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "qrsweep/common.h"
#include "qrsweep/dataset.h"
#include "qrsweep/philox.h"

namespace qrsweep {

void stratify_rows(Dataset& train, int validation, uint64_t seed) {
  if (validation < 0 || validation >= train.n)
    throw DataError("validation rows (" + std::to_string(validation) +
                    ") must be fewer than the training rows (" + std::to_string(train.n) + ") of " +
                    train.source);
  std::vector<std::vector<uint32_t>> rows(256);
  for (int i = 0; i < train.n; ++i) rows[train.y[i]].push_back(static_cast<uint32_t>(i));

  // Quotas: each class's exact share floored, the rows left over to the largest remainders.
  std::vector<int> quota(256, 0);
  std::vector<std::pair<double, int>> remainders;
  int given = 0;
  for (int c = 0; c < 256; ++c) {
    if (rows[c].empty()) continue;
    const double share = double(validation) * rows[c].size() / train.n;
    quota[c] = static_cast<int>(std::floor(share));
    given += quota[c];
    remainders.emplace_back(share - quota[c], c);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; given < validation && i < remainders.size(); ++i, ++given)
    ++quota[remainders[i].second];

  // Within a class, a Fisher-Yates shuffle from the (seed, class) stream picks its rows.
  std::vector<char> validates(train.n, 0);
  for (int c = 0; c < 256; ++c) {
    std::vector<uint32_t>& r = rows[c];
    const PhiloxStream s{seed, static_cast<uint32_t>(c), purpose_word(Purpose::kSplit, 0)};
    uint64_t w = 0;
    for (size_t i = r.size(); i > 1; --i)
      std::swap(r[i - 1], r[below(s.word(w++), static_cast<uint32_t>(i))]);
    for (int k = 0; k < quota[c]; ++k) validates[r[k]] = 1;
  }

  std::vector<uint32_t> order;
  order.reserve(train.n);
  for (int pass = 1; pass >= 0; --pass)
    for (int i = 0; i < train.n; ++i)
      if (validates[i] == pass) order.push_back(static_cast<uint32_t>(i));
  const size_t dim = static_cast<size_t>(train.dim);
  auto reorder = [&](auto& rows_of) {
    std::remove_reference_t<decltype(rows_of)> out(rows_of.size());
    for (size_t to = 0; to < order.size(); ++to)
      std::copy_n(rows_of.begin() + order[to] * dim, dim, out.begin() + to * dim);
    rows_of = std::move(out);
  };
  if (train.float_features())
    reorder(train.xf);
  else
    reorder(train.x);
  std::vector<uint8_t> y(train.y.size());
  for (size_t to = 0; to < order.size(); ++to) y[to] = train.y[order[to]];
  train.y = std::move(y);
}

std::vector<int> classes_missing_from_validation(const DataSplits& s) {
  std::vector<char> in_train(256, 0), in_val(256, 0);
  const DatasetView val = s.val();
  for (int i = 0; i < s.train.n; ++i) in_train[s.train.y[i]] = 1;
  for (int i = 0; i < val.n; ++i) in_val[val.y[i]] = 1;
  std::vector<int> missing;
  for (int c = 0; c < 256; ++c)
    if (in_train[c] && !in_val[c]) missing.push_back(c);
  return missing;
}

}  // namespace qrsweep
