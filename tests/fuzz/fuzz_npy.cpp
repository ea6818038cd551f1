// libFuzzer harness: a NumPy .npy file (read_npy_features and read_npy_labels, what the
// npy and npz data formats run on each array's bytes), read both as features and as labels.
#include <cmath>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "qrsweep/common.h"
#include "qrsweep/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qrsweep;
  const std::vector<uint8_t> file(data, data + size);
  try {
    const NpyFeatures f = read_npy_features(file, "fuzz.npy");
    fuzz::require(f.rows > 0 && f.dim > 0, "an empty array was accepted");
    const size_t n = static_cast<size_t>(f.rows) * static_cast<size_t>(f.dim);
    fuzz::require(f.bytes.empty() != f.floats.empty(), "features are neither bytes nor floats");
    fuzz::require(
        (f.bytes.empty() ? f.floats.size() : f.bytes.size()) == n,
        "buffer does not match " + std::to_string(f.rows) + " x " + std::to_string(f.dim));
    for (float v : f.floats) fuzz::require(std::isfinite(v), "a non-finite feature was accepted");
  } catch (const Error&) {
  }
  try {
    const std::vector<uint8_t> y = read_npy_labels(file, "fuzz.npy");
    // Labels are bytes by type; a dataset of them takes the classes they imply.
    NpyFeatures x;
    x.rows = static_cast<int64_t>(y.size());
    x.dim = 1;
    x.bytes.assign(y.size(), 0);
    if (!y.empty()) {
      const Dataset d = npy_dataset(x, "x", y, "fuzz.npy", 0);
      fuzz::require(d.classes >= 2 && d.classes <= 256, "classes " + std::to_string(d.classes));
      for (uint8_t v : d.y) fuzz::require(v < d.classes, "label " + std::to_string(v));
    }
  } catch (const Error&) {
  }
  return 0;
}
