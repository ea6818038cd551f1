// Sobol points by random access and their hash-based Owen scramble (see sobol.h).
#include "qrsweep/sobol.h"

#include <array>
#include <string>

#include "qrsweep/common.h"
#include "qrsweep/philox.h"
#include "sampler/joe_kuo_table.h"

namespace qrsweep {

namespace {

using DirectionVectors = std::array<std::array<uint32_t, 32>, kSobolMaxDims>;

// Joe & Kuo's recurrence (their sobol.cc), with v[k] the direction vector of bit k of
// gray(i) as a 32-bit fraction. Built once: 64 x 32 words.
DirectionVectors build_directions() {
  static_assert(detail::kJoeKuoDims == kSobolMaxDims, "table and generator disagree");
  DirectionVectors v{};
  for (int d = 0; d < kSobolMaxDims; ++d) {
    const detail::JoeKuoRow& row = detail::kJoeKuo[d];
    int s = 0;
    while ((row.poly >> (s + 1)) != 0) ++s;
    if (s == 0) {  // dimension 0: van der Corput, every m_k = 1
      for (int k = 0; k < 32; ++k) v[d][k] = 1u << (31 - k);
      continue;
    }
    uint32_t a = (row.poly >> 1) & ((1u << (s - 1)) - 1);  // interior coefficients
    for (int k = 0; k < 32; ++k) {
      if (k < s) {
        v[d][k] = static_cast<uint32_t>(row.m[k]) << (31 - k);
        continue;
      }
      uint32_t x = v[d][k - s] ^ (v[d][k - s] >> s);
      for (int j = 1; j < s; ++j)
        if ((a >> (s - 1 - j)) & 1u) x ^= v[d][k - j];
      v[d][k] = x;
    }
  }
  return v;
}

const DirectionVectors& directions() {
  static const DirectionVectors v = build_directions();
  return v;
}

uint32_t reverse_bits(uint32_t x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
  x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
  return (x >> 16) | (x << 16);
}

void check_dim(int dim, int dims) {
  if (dim < 0 || dim >= dims)
    throw ConfigError("Sobol dimension " + std::to_string(dim) + " is outside [0, " +
                      std::to_string(dims) + ")");
}

}  // namespace

uint32_t sobol_u32(uint32_t index, int dim) {
  check_dim(dim, kSobolMaxDims);
  const auto& v = directions()[dim];
  uint32_t g = index ^ (index >> 1);
  uint32_t x = 0;
  for (int k = 0; g != 0; ++k, g >>= 1)
    if (g & 1u) x ^= v[k];
  return x;
}

uint32_t owen_scramble(uint32_t x, uint32_t seed) {
  // Laine-Karras style permutation on the reversed digits: every step (xor with an even
  // multiple, add, odd multiply) changes bit k only as a function of bits below it, so
  // after reversal each digit is permuted depending only on the digits above it, which is
  // exactly a nested uniform scramble. The constants are Vegdahl's improved LK hash
  // (psychopath.io, 2021), which avalanches better than Burley's original four rounds.
  x = reverse_bits(x);
  x ^= x * 0x3d20adeau;
  x += seed;
  x *= (seed >> 16) | 1u;
  x ^= x * 0x05526c56u;
  x ^= x * 0x53a22864u;
  return reverse_bits(x);
}

SobolSequence::SobolSequence(int dims, std::vector<uint32_t> seeds, bool scramble)
    : dims_(dims), seeds_(std::move(seeds)), scramble_(scramble) {}

SobolSequence SobolSequence::scrambled(int dims, uint64_t seed, uint32_t stream) {
  check_dim(dims - 1, kSobolMaxDims);
  PhiloxStream s{seed, 0, purpose_word(Purpose::kSampler, stream)};
  std::vector<uint32_t> seeds(dims);
  for (int d = 0; d < dims; ++d) seeds[d] = s.word(static_cast<uint64_t>(d));
  return SobolSequence(dims, std::move(seeds), true);
}

SobolSequence SobolSequence::unscrambled(int dims) {
  check_dim(dims - 1, kSobolMaxDims);
  return SobolSequence(dims, std::vector<uint32_t>(dims, 0u), false);
}

uint32_t SobolSequence::bits(uint32_t index, int dim) const {
  check_dim(dim, dims_);
  uint32_t x = sobol_u32(index, dim);
  return scramble_ ? owen_scramble(x, seeds_[dim]) : x;
}

double SobolSequence::at(uint32_t index, int dim) const { return u32_to_unit(bits(index, dim)); }

std::vector<double> SobolSequence::points(uint32_t first, uint32_t n) const {
  std::vector<double> out(static_cast<size_t>(n) * dims_);
  for (uint32_t i = 0; i < n; ++i)
    for (int d = 0; d < dims_; ++d) out[static_cast<size_t>(i) * dims_ + d] = at(first + i, d);
  return out;
}

}  // namespace qrsweep
