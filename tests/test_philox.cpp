// Philox4x32-10 against Random123's published known-answer vectors (docs/semantics.md#determinism),
// and the derived draws (uniform floats, bounded integers) the backends build on.
#include <gtest/gtest.h>

#include <set>

#include "qrsweep/philox.h"

namespace qrsweep {
namespace {

void expect_kat(Philox4 ctr, uint32_t k0, uint32_t k1, Philox4 want) {
  Philox4 got = philox4x32_10(ctr, k0, k1);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(got.v[i], want.v[i]) << "word " << i;
}

TEST(Philox, KnownAnswerZero) {
  expect_kat({{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}});
}

TEST(Philox, KnownAnswerOnes) {
  expect_kat({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu,
             {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}});
}

TEST(Philox, KnownAnswerPi) {
  expect_kat({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u,
             {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}});
}

TEST(Philox, StreamLayoutMatchesCurandConvention) {
  // key = seed (low, high); counter = (block low, block high, trial, purpose).
  PhiloxStream s{0x299f31d0a4093822ull, 0x13198a2eu, 0x03707344u};
  Philox4 b = s.block(0x85a308d3243f6a88ull);
  EXPECT_EQ(b.v[0], 0xd16cfe09u);
  EXPECT_EQ(b.v[3], 0x24126ea1u);
  // word n is word n % 4 of block n / 4
  PhiloxStream t{0, 0, 0};
  EXPECT_EQ(t.word(0), 0x6627e8d5u);
  EXPECT_EQ(t.word(3), 0x9b00dbd8u);
  EXPECT_EQ(t.word(5), t.block(1).v[1]);
}

TEST(Philox, StreamsDifferByTrialPurposeAndSeed) {
  PhiloxStream a{1, 0, purpose_word(Purpose::kInit, 0)};
  PhiloxStream b{1, 1, purpose_word(Purpose::kInit, 0)};
  PhiloxStream c{1, 0, purpose_word(Purpose::kInit, 1)};
  PhiloxStream d{2, 0, purpose_word(Purpose::kInit, 0)};
  std::set<uint32_t> words{a.word(0), b.word(0), c.word(0), d.word(0)};
  EXPECT_EQ(words.size(), 4u);
}

TEST(Philox, Uniform01IsInUnitIntervalAndExact) {
  EXPECT_EQ(uniform01(0u), 0.0f);
  EXPECT_LT(uniform01(0xffffffffu), 1.0f);
  EXPECT_EQ(uniform01(0x80000000u), 0.5f);
  PhiloxStream s{7, 3, 9};
  double sum = 0;
  const int n = 40000;
  for (int i = 0; i < n; ++i) {
    float u = uniform01(s.word(i));
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.01);
}

TEST(Philox, BelowCoversRangeEvenly) {
  PhiloxStream s{11, 0, 5};
  int counts[7] = {};
  for (int i = 0; i < 70000; ++i) {
    uint32_t v = below(s.word(i), 7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

}  // namespace
}  // namespace qrsweep
