// Store calls run in order on a background thread, so the packed scheduler's thread never
// waits for a commit (each is fsynced: synchronous = FULL) while the GPU could be training.
// Order is kept, so the store's rules hold as before: a trial's epochs are committed before
// the row that marks it finished, and a requeue after the epochs it removes.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace qrsweep::sweep_detail {

class StoreQueue {
 public:
  // At most `capacity` calls wait at once; post() blocks beyond that (the store sets the pace
  // only when it is slower than training).
  explicit StoreQueue(size_t capacity = 4096);
  ~StoreQueue();  // runs what is queued, then stops the thread
  StoreQueue(const StoreQueue&) = delete;
  StoreQueue& operator=(const StoreQueue&) = delete;

  // Queues `call`. After a call has thrown, later calls are dropped: the store failed, and
  // what follows it would be committed out of order.
  void post(std::function<void()> call);
  // A call has thrown (the first exception is kept for drain()).
  bool failed() const;
  // Waits until every queued call has run; returns the first exception (null: none).
  std::exception_ptr drain();

 private:
  void run();

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable work_, room_, idle_;
  std::deque<std::function<void()>> calls_;
  bool busy_ = false, closing_ = false;
  std::exception_ptr failure_;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace qrsweep::sweep_detail
