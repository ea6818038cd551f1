// Sobol points with random access (point i from gray(i), docs/semantics.md#sobol), Joe & Kuo
// direction numbers, and a seeded hash-based Owen scramble (Burley 2020) that needs nothing but
// (index, dimension, seed), so any shard computes any point without state.
#pragma once
#include <cstdint>
#include <vector>

namespace qrsweep {

constexpr int kSobolMaxDims = 64;  // dimensions tabulated (joe_kuo_table.cpp)

// Coordinate `dim` (0-based) of unscrambled point `index` as a 32-bit binary fraction:
// the XOR of the direction vectors of the set bits of gray(index). Throws ConfigError
// when dim is outside [0, kSobolMaxDims).
uint32_t sobol_u32(uint32_t index, int dim);

// Nested uniform (Owen) scramble of a 32-bit fraction: a bijection whose digit k flips
// depending only on `seed` and digits above k, so the first 2^m points keep exactly one
// point per interval of width 2^-m (the balance property) in every coordinate.
uint32_t owen_scramble(uint32_t x, uint32_t seed);

// A 32-bit binary fraction as a double in [0, 1): exact.
inline double u32_to_unit(uint32_t x) { return x * (1.0 / 4294967296.0); }

// A `dims`-dimensional Sobol sequence. Scrambled: coordinate d of every point passes
// through owen_scramble with its own seed, word d of the Philox stream
// (seed, trial 0, purpose kSampler/`stream`). Unscrambled: scipy's
// qmc.Sobol(dims, scramble=False) bit for bit.
class SobolSequence {
 public:
  static SobolSequence scrambled(int dims, uint64_t seed, uint32_t stream);
  static SobolSequence unscrambled(int dims);

  int dims() const { return dims_; }
  double at(uint32_t index, int dim) const;
  uint32_t bits(uint32_t index, int dim) const;
  // `n` consecutive points from `first`, row-major [n][dims].
  std::vector<double> points(uint32_t first, uint32_t n) const;

 private:
  SobolSequence(int dims, std::vector<uint32_t> seeds, bool scramble);
  int dims_;
  std::vector<uint32_t> seeds_;
  bool scramble_;
};

}  // namespace qrsweep
