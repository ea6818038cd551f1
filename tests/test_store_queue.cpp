// StoreQueue (host/sweep/store_queue.h): calls run in order on one other thread, drain()
// waits for them all, the first failure drops what follows and is reported, and the
// destructor runs what is still queued.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sweep/store_queue.h"

namespace qrsweep::sweep_detail {
namespace {

TEST(StoreQueue, RunsEveryCallInOrderOnAnotherThread) {
  std::vector<int> seen;  // touched only by the queue's thread until drain() returns
  std::thread::id where;
  StoreQueue q(4);  // smaller than the calls: post() waits for room
  for (int i = 0; i < 100; ++i)
    q.post([&, i] {
      seen.push_back(i);
      where = std::this_thread::get_id();
    });
  EXPECT_EQ(q.drain(), nullptr);
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_NE(where, std::this_thread::get_id());
  EXPECT_FALSE(q.failed());
}

TEST(StoreQueue, TheFirstFailureDropsWhatFollowsAndIsReported) {
  std::atomic<int> ran{0};
  StoreQueue q;
  q.post([&] { ++ran; });
  q.post([] { throw std::runtime_error("disk full"); });
  q.post([&] { ++ran; });  // queued behind the failure, or posted after it: never runs
  std::exception_ptr e = q.drain();
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(q.failed());
  try {
    std::rethrow_exception(e);
  } catch (const std::runtime_error& err) {
    EXPECT_STREQ(err.what(), "disk full");
  }
  q.post([&] { ++ran; });
  EXPECT_NE(q.drain(), nullptr);
  EXPECT_EQ(ran.load(), 1);
}

TEST(StoreQueue, TheDestructorRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  {
    StoreQueue q;
    for (int i = 0; i < 20; ++i)
      q.post([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ++ran;
      });
  }
  EXPECT_EQ(ran.load(), 20);
}

}  // namespace
}  // namespace qrsweep::sweep_detail
