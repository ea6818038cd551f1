// libFuzzer harness: safetensors weights (load_safetensors_bytes, what `--init FILE` and
// every weights reader run on the file's bytes). Weights that load must be a chain of
// dense layers whose buffers match their shapes.
#include <string>
#include <utility>
#include <vector>

#include "fuzz_support.h"
#include "qrsweep/common.h"
#include "qrsweep/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qrsweep;
  const std::vector<uint8_t> bytes(data, data + size);
  std::vector<std::pair<std::string, std::string>> metadata;
  Weights w;
  try {
    w = load_safetensors_bytes(bytes, "fuzz.safetensors", &metadata);
  } catch (const Error&) {
    return 0;
  }
  fuzz::require(!w.layers.empty(), "weights without layers were accepted");
  for (size_t k = 0; k < w.layers.size(); ++k) {
    const DenseLayer& l = w.layers[k];
    const std::string layer = "layer " + std::to_string(k + 1);
    fuzz::require(l.in > 0 && l.out > 0, layer + " is empty");
    fuzz::require(l.w.size() == size_t(l.in) * size_t(l.out) && l.b.size() == size_t(l.out),
                  layer + ": buffers do not match its shape");
    if (k > 0) fuzz::require(l.in == w.layers[k - 1].out, layer + " does not chain");
  }
  return 0;
}
