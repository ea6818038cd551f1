// The CUDA executor's graph replay policy (host/device/replay_cache.h), on plain values: a
// step's launches are captured on their second sighting, replayed from then on, kept apart
// from any other launches, and the least recently replayed graphs go beyond the capacity.
#include <gtest/gtest.h>

#include <memory>

#include "device/replay_cache.h"

namespace qrsweep {
namespace {

using Graph = std::unique_ptr<int>;  // move-only, like an instantiated CUDA Graph

LaunchSignature sig(uint64_t a, uint64_t b = 7) { return {0, a, b, (uint64_t{3} << 32) | 9}; }

TEST(ReplayCache, CapturesOnTheSecondSightingAndReplaysAfter) {
  ReplayCache<Graph> cache(2, 8);
  EXPECT_EQ(cache.find(sig(1)), nullptr);
  EXPECT_FALSE(cache.sighted(sig(1)));  // a one-off step is launched directly
  EXPECT_EQ(cache.find(sig(1)), nullptr);
  EXPECT_TRUE(cache.sighted(sig(1)));  // it recurs: capture it
  cache.insert(sig(1), std::make_unique<int>(11));
  ASSERT_NE(cache.find(sig(1)), nullptr);
  EXPECT_EQ(**cache.find(sig(1)), 11);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCache, SignaturesDifferingInOneWordAreDifferentGraphs) {
  ReplayCache<Graph> cache(1, 8);
  LaunchSignature a = sig(1), b = sig(1), c = sig(1);
  b[3] += 1;       // another grid (a shorter last batch has fewer tiles)
  c.push_back(0);  // one launch more
  EXPECT_TRUE(cache.sighted(a));
  cache.insert(a, std::make_unique<int>(1));
  EXPECT_EQ(cache.find(b), nullptr);
  EXPECT_EQ(cache.find(c), nullptr);
  EXPECT_EQ(cache.find(sig(1, 8)), nullptr);  // other offsets
  cache.insert(b, std::make_unique<int>(2));
  cache.insert(c, std::make_unique<int>(3));
  EXPECT_EQ(**cache.find(a), 1);
  EXPECT_EQ(**cache.find(b), 2);
  EXPECT_EQ(**cache.find(c), 3);
}

TEST(ReplayCache, DropsTheLeastRecentlyReplayedBeyondCapacity) {
  ReplayCache<Graph> cache(1, 2);
  cache.insert(sig(1), std::make_unique<int>(1));
  cache.insert(sig(2), std::make_unique<int>(2));
  ASSERT_NE(cache.find(sig(1)), nullptr);  // 1 is now the most recent, 2 the least
  cache.insert(sig(3), std::make_unique<int>(3));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.evictions(), 1);
  EXPECT_EQ(cache.find(sig(2)), nullptr);
  EXPECT_EQ(**cache.find(sig(1)), 1);
  EXPECT_EQ(**cache.find(sig(3)), 3);
}

TEST(ReplayCache, InsertReplacesAndSightingsStayBounded) {
  ReplayCache<Graph> cache(2, 1);
  cache.insert(sig(1), std::make_unique<int>(1));
  cache.insert(sig(1), std::make_unique<int>(5));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.evictions(), 0);
  EXPECT_EQ(**cache.find(sig(1)), 5);
  // Sightings of one-off steps are forgotten in bulk (at 4 x capacity), so a step sighted
  // once before that needs two sightings again.
  EXPECT_FALSE(cache.sighted(sig(9)));
  for (uint64_t i = 10; i < 14; ++i) EXPECT_FALSE(cache.sighted(sig(i)));
  EXPECT_FALSE(cache.sighted(sig(9)));
  EXPECT_TRUE(cache.sighted(sig(9)));
}

}  // namespace
}  // namespace qrsweep
