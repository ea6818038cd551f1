// The notebook's getUniformList (docs/semantics.md#balanced-lists) on Philox words instead of
// numpy's generator.
#include <string>
#include <utility>

#include "qrsweep/common.h"
#include "qrsweep/sampler.h"

namespace qrsweep {

std::vector<int> balanced_list(int items, int n, const PhiloxStream& stream) {
  if (items < 1 || n < 0)
    throw ConfigError("balanced_list: " + std::to_string(items) + " items, length " +
                      std::to_string(n));
  std::vector<int> list;
  list.reserve(n);
  for (int c = 0; c < n / items; ++c)
    for (int k = 0; k < items; ++k) list.push_back(k);
  // The extras are distinct items (a partial shuffle of the item list): the notebook
  // draws them with replacement, which can give one item several extras; distinct
  // extras keep every count within one of n / items, the evenness the list is for.
  std::vector<int> pool(items);
  for (int k = 0; k < items; ++k) pool[k] = k;
  uint64_t w = 0;
  for (int e = 0; e < n % items; ++e) {
    int j = e + static_cast<int>(below(stream.word(w++), static_cast<uint32_t>(items - e)));
    std::swap(pool[e], pool[j]);
    list.push_back(pool[e]);
  }
  for (int i = n - 1; i > 0; --i) {
    int j = static_cast<int>(below(stream.word(w++), static_cast<uint32_t>(i + 1)));
    std::swap(list[i], list[j]);
  }
  return list;
}

}  // namespace qrsweep
