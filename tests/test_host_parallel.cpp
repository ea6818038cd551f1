// parallel_for and host_threads (host/core/host_parallel.h): every index runs exactly once
// whatever the thread count, the first exception comes back after all have stopped, and the
// thread count follows the process's cores, at most 16.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/cores.h"
#include "core/host_parallel.h"

namespace qrsweep::packed {
namespace {

TEST(HostParallel, EveryIndexRunsOnceOnAnyThreadCount) {
  for (int threads : {1, 2, 3, 8, 64}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}}) {
      std::vector<std::atomic<int>> hits(n);
      parallel_for(n, threads, [&](size_t i) { ++hits[i]; });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << threads << " threads, i " << i;
    }
  }
}

TEST(HostParallel, UsesSeveralThreadsWhenAsked) {
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::atomic<int> waiting{0};
  parallel_for(4, 4, [&](size_t) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
    }
    ++waiting;  // every worker takes one index and waits for the others: 4 threads at once
    while (waiting.load() < 4) std::this_thread::yield();
  });
  EXPECT_EQ(ids.size(), 4u);
}

TEST(HostParallel, TheFirstExceptionComesBackAfterEveryIndexRan) {
  std::atomic<int> ran{0};
  EXPECT_THROW(parallel_for(100, 4,
                            [&](size_t i) {
                              ++ran;
                              if (i % 10 == 3) throw std::runtime_error("bad " + std::to_string(i));
                            }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 100) << "the other indices still run";
}

TEST(HostParallel, ThreadsFollowTheCoresUpTo16) {
  EXPECT_GE(usable_cores(), 1);
  EXPECT_EQ(host_threads(), std::min(usable_cores(), 16));
}

}  // namespace
}  // namespace qrsweep::packed
