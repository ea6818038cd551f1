// StoreQueue (store_queue.h): one worker thread, a bounded FIFO of calls.
#include "sweep/store_queue.h"

#include <utility>

namespace qrsweep::sweep_detail {

StoreQueue::StoreQueue(size_t capacity)
    : capacity_(capacity ? capacity : 1), thread_([this] { run(); }) {}

StoreQueue::~StoreQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void StoreQueue::post(std::function<void()> call) {
  std::unique_lock<std::mutex> lock(mu_);
  room_.wait(lock, [&] { return calls_.size() < capacity_ || failure_; });
  if (failure_) return;
  calls_.push_back(std::move(call));
  lock.unlock();
  work_.notify_one();
}

bool StoreQueue::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_ != nullptr;
}

std::exception_ptr StoreQueue::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [&] { return calls_.empty() && !busy_; });
  return failure_;
}

void StoreQueue::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_.wait(lock, [&] { return !calls_.empty() || closing_; });
    if (calls_.empty()) return;  // closing, nothing left
    std::function<void()> call = std::move(calls_.front());
    calls_.pop_front();
    busy_ = true;
    room_.notify_one();
    lock.unlock();
    std::exception_ptr e;
    try {
      call();
    } catch (...) {
      e = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    if (e && !failure_) {
      failure_ = e;
      calls_.clear();  // what follows a failed commit must not land out of order
      room_.notify_all();
    }
    if (calls_.empty()) idle_.notify_all();
  }
}

}  // namespace qrsweep::sweep_detail
