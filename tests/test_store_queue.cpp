// StoreQueue (host/sweep/store_queue.h), the sweep's one store writer: writes are committed
// in order on another thread, those that arrive during a commit go into the next one, a
// batch waits at most the interval (or until it is full, or a drain), a write's `durable`
// callback runs only after its commit, the first failure drops what follows and is
// reported, and the destructor commits what is still queued.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sweep/store_queue.h"
#include "test_sweep_support.h"

namespace qrsweep::sweep_detail {
namespace {

using std::chrono::milliseconds;

// A commit function that records each batch's trial indices (and, through `log`, the order
// of commits and callbacks); `fail_on` makes the batch holding that trial throw.
struct Recorder {
  std::mutex mu;
  std::vector<std::vector<int>> batches;
  std::vector<std::string> log;
  std::thread::id where;
  int fail_on = -1;

  StoreQueue::Commit commit() {
    return [this](const std::vector<TrialWrite>& batch) {
      std::lock_guard<std::mutex> lock(mu);
      std::vector<int> ids;
      for (const TrialWrite& w : batch) {
        if (w.trial == fail_on) throw std::runtime_error("disk full");
        ids.push_back(w.trial);
      }
      batches.push_back(ids);
      log.push_back("commit " + std::to_string(batches.size()));
      where = std::this_thread::get_id();
    };
  }
  std::function<void()> durable(int i) {
    return [this, i] {
      std::lock_guard<std::mutex> lock(mu);
      log.push_back("durable " + std::to_string(i));
    };
  }
  size_t committed() {
    std::lock_guard<std::mutex> lock(mu);
    size_t n = 0;
    for (const auto& b : batches) n += b.size();
    return n;
  }
};

TrialWrite row(int trial) { return TrialWrite::epoch_row(trial, EpochMetrics{}); }

TEST(StoreQueue, CommitsEveryWriteInOrderOnAnotherThread) {
  Recorder r;
  {
    StoreQueue q(r.commit(), CommitPolicy{milliseconds(0), 4});  // post() waits for room
    for (int i = 0; i < 100; ++i) q.post(row(i));
    EXPECT_EQ(q.drain(), nullptr);
    EXPECT_FALSE(q.failed());
  }
  std::vector<int> all;
  for (const auto& b : r.batches) {
    EXPECT_LE(b.size(), 4u);
    all.insert(all.end(), b.begin(), b.end());
  }
  ASSERT_EQ(all.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(all[i], i);
  EXPECT_NE(r.where, std::this_thread::get_id());
}

TEST(StoreQueue, WritesThatArriveDuringACommitGoIntoTheNextOne) {
  Recorder r;
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  StoreQueue::Commit slow = [&, inner = r.commit()](const std::vector<TrialWrite>& batch) {
    std::unique_lock<std::mutex> lock(mu);
    if (!entered) {  // the first commit stays in flight until the test releases it
      entered = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
    }
    lock.unlock();
    inner(batch);
  };
  StoreQueue q(slow, CommitPolicy{milliseconds(0), 4096});
  q.post(row(0));
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return entered; });
  }
  for (int i = 1; i <= 10; ++i) q.post(row(i));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(q.drain(), nullptr);
  EXPECT_EQ(q.commits(), 2u);
  ASSERT_EQ(r.batches.size(), 2u);  // one transaction per batch, not per write
  EXPECT_EQ(r.batches[0], std::vector<int>{0});
  EXPECT_EQ(r.batches[1], (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST(StoreQueue, ABatchIsCommittedOnceItsFirstWriteIsIntervalOldWithoutADrain) {
  Recorder r;
  StoreQueue q(r.commit(), CommitPolicy{milliseconds(300), 4096});
  for (int i = 0; i < 5; ++i) q.post(row(i), r.durable(i));
  // Nobody drains: the interval alone gets the batch committed (and reported).
  ASSERT_TRUE(test::wait_until([&] { return r.committed() == 5; }, 30.0));
  ASSERT_TRUE(test::wait_until([&] { return q.commits() == 1; }, 30.0));
  std::lock_guard<std::mutex> lock(r.mu);
  ASSERT_EQ(r.batches.size(), 1u);
  EXPECT_EQ(r.batches[0], (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(StoreQueue, AFullBatchIsCommittedWithoutWaitingForTheInterval) {
  Recorder r;
  StoreQueue q(r.commit(), CommitPolicy{milliseconds(3600 * 1000), 8});
  for (int i = 0; i < 8; ++i) q.post(row(i));
  ASSERT_TRUE(test::wait_until([&] { return r.committed() == 8; }, 30.0));
  EXPECT_EQ(q.drain(), nullptr);
}

TEST(StoreQueue, DurableCallbacksRunAfterTheirCommitInOrder) {
  Recorder r;
  StoreQueue q(r.commit(), CommitPolicy{milliseconds(0), 2});
  for (int i = 0; i < 6; ++i) q.post(row(i), r.durable(i));
  EXPECT_EQ(q.drain(), nullptr);
  // Each callback comes after the commit of the batch holding its write.
  int commits_seen = 0;
  size_t written = 0;
  int next = 0;
  for (const std::string& e : r.log) {
    if (e.rfind("commit ", 0) == 0) {
      written += r.batches[static_cast<size_t>(commits_seen++)].size();
    } else {
      EXPECT_EQ(e, "durable " + std::to_string(next));
      EXPECT_LT(static_cast<size_t>(next), written) << "reported before its commit";
      ++next;
    }
  }
  EXPECT_EQ(next, 6);
}

TEST(StoreQueue, TheFirstFailureDropsWhatFollowsAndIsReported) {
  Recorder r;
  r.fail_on = 1;
  StoreQueue q(r.commit(), CommitPolicy{milliseconds(0), 1});
  q.post(row(0), r.durable(0));
  q.post(row(1), r.durable(1));
  q.post(row(2), r.durable(2));  // queued behind the failure, or posted after it: dropped
  std::exception_ptr e = q.drain();
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(q.failed());
  try {
    std::rethrow_exception(e);
  } catch (const std::runtime_error& err) {
    EXPECT_STREQ(err.what(), "disk full");
  }
  q.post(row(3), r.durable(3));
  EXPECT_NE(q.drain(), nullptr);
  EXPECT_EQ(q.commits(), 1u);
  EXPECT_EQ(r.batches, std::vector<std::vector<int>>{{0}});
  EXPECT_EQ(r.log, (std::vector<std::string>{"commit 1", "durable 0"}));  // never the failed
}

TEST(StoreQueue, TheDestructorCommitsWhatIsQueued) {
  Recorder r;
  {
    StoreQueue q(r.commit(), CommitPolicy{milliseconds(3600 * 1000), 4096});
    for (int i = 0; i < 20; ++i) q.post(row(i));
  }
  EXPECT_EQ(r.committed(), 20u);
}

}  // namespace
}  // namespace qrsweep::sweep_detail
