// libFuzzer harness: CSV data files, plain or gzipped (read_csv_bytes, what read_csv runs
// on the file's bytes), read once with 10 classes and once inferring them.
#include <cmath>
#include <string>

#include "fuzz_support.h"
#include "qrsweep/common.h"
#include "qrsweep/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qrsweep;
  for (int classes : {10, 0}) {
    Dataset d;
    try {
      d = read_csv_bytes(std::vector<uint8_t>(data, data + size), "fuzz.csv", classes);
    } catch (const Error&) {
      continue;
    }
    fuzz::require(d.n > 0 && d.dim > 0, "an empty dataset was accepted");
    // Byte features or float features (real values), never both, never a partial row.
    const size_t features = d.float_features() ? d.xf.size() : d.x.size();
    fuzz::require(d.x.empty() || d.xf.empty(), "both byte and float features");
    fuzz::require(features == size_t(d.n) * size_t(d.dim) && d.y.size() == size_t(d.n),
                  "buffers do not match " + std::to_string(d.n) + " x " + std::to_string(d.dim));
    for (float v : d.xf) fuzz::require(std::isfinite(v), "a non-finite feature was accepted");
    fuzz::require(d.classes >= 2 && d.classes <= 256, "classes " + std::to_string(d.classes));
    for (uint8_t y : d.y) fuzz::require(y < d.classes, "label " + std::to_string(y));
  }
  return 0;
}
