// What every libFuzzer harness of tests/fuzz shares. A parser's documented answer to bad
// input is a qrsweep::Error (ConfigError or DataError) naming the file; the harnesses let
// those pass and report everything else: another exception escapes (std::terminate, a
// crash to libFuzzer), ASan/UBSan/LeakSanitizer stop the run, and finding() reports a
// result that parsed but breaks the parser's own promises.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace qrsweep::fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

inline void require(bool ok, const std::string& what) {
  if (!ok) finding(what);
}

// Two files in one input: a 4-byte little-endian length of the first, the first's bytes,
// then the second's (a length beyond the input takes everything for the first).
struct FilePair {
  std::vector<uint8_t> first, second;
};

inline FilePair split_pair(const uint8_t* data, size_t size) {
  FilePair p;
  if (size < 4) {
    p.first.assign(data, data + size);
    return p;
  }
  size_t n = size_t{data[0]} | (size_t{data[1]} << 8) | (size_t{data[2]} << 16) |
             (size_t{data[3]} << 24);
  data += 4;
  size -= 4;
  if (n > size) n = size;
  p.first.assign(data, data + n);
  p.second.assign(data + n, data + size);
  return p;
}

}  // namespace qrsweep::fuzz
