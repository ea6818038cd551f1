// The sampler's Philox streams, private to host/sampler. Each is the stream
// (sweep seed, trial word 0, purpose kSampler/id); the ids below never change, because
// changing one changes every plan drawn with that seed.
#pragma once
#include <cstdint>

#include "qrsweep/philox.h"

namespace qrsweep::detail {

// Balanced categorical lists.
constexpr uint32_t kStreamStructure = 1;
constexpr uint32_t kStreamLayers = 2;
constexpr uint32_t kStreamActivation = 3;
constexpr uint32_t kStreamAllowDropout = 4;
constexpr uint32_t kStreamAllowMomentum = 5;
constexpr uint32_t kStreamDropoutFlag = 6;  // + k for layer k = 0..4

// Continuous families: one independently scrambled Sobol sequence each (its per-dimension
// scramble seeds are the stream's first words). sampler = "random" draws from the stream
// id + kStreamRandomOffset instead.
enum Family : int {
  kFamilyAllTrials = 0,  // 2-D: learning rate, batch size (every trial)
  kFamilyMomentum,       // the allow-momentum trials
  kFamilyDropoutRate1,   // + k: the trials whose D(k+1) flag is set
  kFamilySizeUniform = kFamilyDropoutRate1 + 5,
  kFamilySizeAscendingMin,
  kFamilySizeAscendingMax,
  kFamilySizeDescendingMin,
  kFamilySizeDescendingMax,
  kFamilySizeRandom,  // 5-D: one coordinate per layer
  kFamilyCount,
};
constexpr uint32_t kStreamFamily = 16;  // + family
constexpr uint32_t kStreamRandomOffset = 64;

inline PhiloxStream sampler_stream(uint64_t seed, uint32_t id) {
  return PhiloxStream{seed, 0, purpose_word(Purpose::kSampler, id)};
}

}  // namespace qrsweep::detail
