// libFuzzer harness: the search-space file (parse_space_text, what `--space FILE` reads).
// A space that parses must also come back unchanged from its canonical TOML, which the
// store keeps and compares on every resume.
#include <string>

#include "fuzz_support.h"
#include "qrsweep/common.h"
#include "qrsweep/space.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace qrsweep;
  const std::string text(reinterpret_cast<const char*>(data), size);
  SearchSpace space;
  try {
    space = parse_space_text(text, "fuzz-space.toml");
  } catch (const Error&) {
    return 0;
  }
  const std::string canonical = to_toml(space);
  SearchSpace again;
  try {
    again = parse_space_text(canonical, "canonical.toml");
  } catch (const Error& e) {
    fuzz::finding(std::string("the canonical TOML of a valid space does not parse: ") + e.what() +
                  "\n" + canonical);
  }
  for (const std::string& d : diff_spaces(space, again))
    fuzz::finding("the canonical TOML changes a key: " + d + "\n" + canonical);
  return 0;
}
