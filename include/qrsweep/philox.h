// Philox4x32-10 (Salmon et al., SC'11), the counter-based generator behind all of a
// trial's randomness. Header-only and host/device, so the CPU backend and the CUDA
// kernels draw the same bits for the same (key, counter) — docs/semantics.md#determinism.
//
// Layout, chosen to match cuRAND's device Philox: key = (seed low, seed high);
// counter = (block low, block high, trial, purpose). cuRAND's
// curand_init(seed, subsequence = trial | purpose << 32, offset = 4 * block) then yields
// the same words, which lets a GPU test use cuRAND as the oracle.
#pragma once
#include <cstdint>

#include "qrsweep/common.h"

namespace qrsweep {

struct Philox4 {
  uint32_t v[4];
};

QRS_HD uint32_t philox_mulhi(uint32_t a, uint32_t b, uint32_t* lo) {
  uint64_t p = static_cast<uint64_t>(a) * b;
  *lo = static_cast<uint32_t>(p);
  return static_cast<uint32_t>(p >> 32);
}

QRS_HD Philox4 philox4x32_10(Philox4 ctr, uint32_t k0, uint32_t k1) {
  constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  constexpr uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    uint32_t lo0, lo1;
    uint32_t hi0 = philox_mulhi(M0, ctr.v[0], &lo0);
    uint32_t hi1 = philox_mulhi(M1, ctr.v[2], &lo1);
    ctr = Philox4{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
    k0 += W0;
    k1 += W1;
  }
  return ctr;
}

// What a stream of random words is for. The purpose word is (kind << 24) | index, where
// index is the layer (weights, dropout) or the epoch (permutation); kSplit's trial word is
// the class of the rows it shuffles.
enum class Purpose : uint32_t { kInit = 1, kPermute = 2, kDropout = 3, kSampler = 4, kSplit = 5 };

QRS_HD uint32_t purpose_word(Purpose p, uint32_t index) {
  return (static_cast<uint32_t>(p) << 24) | (index & 0xFFFFFFu);
}

// One named stream: (sweep seed, trial, purpose word). Word n of the stream is word
// n % 4 of block n / 4.
struct PhiloxStream {
  uint64_t seed;
  uint32_t trial;
  uint32_t purpose;

  QRS_HD Philox4 block(uint64_t b) const {
    Philox4 ctr{{static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32), trial, purpose}};
    return philox4x32_10(ctr, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
  }
  QRS_HD uint32_t word(uint64_t n) const { return block(n >> 2).v[n & 3]; }
};

// Uniform float in [0, 1) from the top 24 bits: exact in fp32, so host and device agree.
QRS_HD float uniform01(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
// Uniform double in [0, 1) from two words (53 bits).
QRS_HD double uniform01_53(uint32_t hi, uint32_t lo) {
  uint64_t m = (static_cast<uint64_t>(hi) << 21) ^ (lo >> 11);
  return static_cast<double>(m & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
}
// Integer in [0, n) by multiply-high (Lemire without rejection; bias < n / 2^32).
QRS_HD uint32_t below(uint32_t x, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(x) * n) >> 32);
}

}  // namespace qrsweep
