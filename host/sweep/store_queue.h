// The sweep's one store writer (the CPU pool and the packed path both use it): trial writes
// are committed on a background thread, many to a transaction (group commit), so no worker
// waits for an fsync while it could be training.
//
// The writes that arrive while a commit is in flight go into the next one. A batch is
// committed once its first write is `interval` old (or it holds `max_batch` writes, or a
// drain asks for it), so a crash loses at most the last `interval` of writes; those never
// include a finished trial's row that anyone was told about, because a write's `durable`
// callback (the progress line that says the trial finished) runs only after its commit.
// Order is kept, so the store's rules hold whatever the batching: a trial's epochs are committed
// with or before the row that marks it finished, and a requeue after the epochs it removes.
// docs/sweep.md, "Durability", says what this means for a crash.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "qrsweep/store.h"

namespace qrsweep::sweep_detail {

struct CommitPolicy {
  // The longest a write waits for its commit (besides the commit in flight).
  std::chrono::milliseconds interval{200};
  // The most writes in one transaction; post() waits while this many wait (the store sets
  // the pace only when it is slower than training). {0 ms, 1}: one transaction per write.
  size_t max_batch = 4096;
};

class StoreQueue {
 public:
  using Commit = std::function<void(const std::vector<TrialWrite>&)>;
  // Commits each batch with store.write() (one transaction).
  explicit StoreQueue(Store& store, CommitPolicy policy = {});
  // Commits each batch with `commit`, which must commit all of it or throw.
  explicit StoreQueue(Commit commit, CommitPolicy policy = {});
  ~StoreQueue();  // commits what is queued, then stops the thread
  StoreQueue(const StoreQueue&) = delete;
  StoreQueue& operator=(const StoreQueue&) = delete;

  // Queues `write`; `durable`, when given, runs on the writer's thread once the write is
  // committed (callbacks in the order of their writes), never when its commit failed.
  // After a commit has failed, later writes are dropped: the store failed, and what follows
  // it would be committed out of order.
  void post(TrialWrite write, std::function<void()> durable = nullptr);
  // A commit has failed (the first exception is kept for drain()).
  bool failed() const;
  // Commits every write queued so far without waiting for the interval and waits for it;
  // returns the first commit's exception (null: none).
  std::exception_ptr drain();
  // Transactions committed so far (failed ones not counted).
  uint64_t commits() const;

 private:
  struct Item {
    TrialWrite write;
    std::function<void()> durable;
  };
  void run();

  const Commit commit_;
  const CommitPolicy policy_;
  mutable std::mutex mu_;
  std::condition_variable work_, room_, settled_cv_;
  std::vector<Item> pending_;
  std::chrono::steady_clock::time_point oldest_{};  // when the first pending write came
  uint64_t posted_ = 0, settled_ = 0, flush_to_ = 0, commits_ = 0;
  bool closing_ = false;
  std::exception_ptr failure_;
  std::atomic<bool> failed_{false};  // failure_ is set; read between steps without the lock
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace qrsweep::sweep_detail
