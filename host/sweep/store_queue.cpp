// StoreQueue (store_queue.h): one writer thread committing batches of trial writes.
#include "sweep/store_queue.h"

#include <algorithm>
#include <utility>

namespace qrsweep::sweep_detail {

StoreQueue::StoreQueue(Store& store, CommitPolicy policy)
    : StoreQueue([&store](const std::vector<TrialWrite>& batch) { store.write(batch); }, policy) {}

StoreQueue::StoreQueue(Commit commit, CommitPolicy policy)
    : commit_(std::move(commit)),
      policy_{policy.interval, std::max<size_t>(policy.max_batch, 1)},
      thread_([this] { run(); }) {}

StoreQueue::~StoreQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  work_.notify_one();
  thread_.join();
}

void StoreQueue::post(TrialWrite write, std::function<void()> durable) {
  std::unique_lock<std::mutex> lock(mu_);
  room_.wait(lock, [&] { return pending_.size() < policy_.max_batch || failure_; });
  if (failure_) return;
  if (pending_.empty()) oldest_ = std::chrono::steady_clock::now();
  pending_.push_back(Item{std::move(write), std::move(durable)});
  ++posted_;
  const bool wake = pending_.size() == 1 || pending_.size() >= policy_.max_batch;
  lock.unlock();
  if (wake) work_.notify_one();
}

bool StoreQueue::failed() const { return failed_.load(); }

uint64_t StoreQueue::commits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return commits_;
}

std::exception_ptr StoreQueue::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = posted_;
  flush_to_ = std::max(flush_to_, target);
  work_.notify_one();
  settled_cv_.wait(lock, [&] { return settled_ >= target; });
  return failure_;
}

void StoreQueue::run() {
  std::unique_lock<std::mutex> lock(mu_);
  std::vector<Item> batch;
  std::vector<TrialWrite> writes;
  for (;;) {
    work_.wait(lock, [&] { return !pending_.empty() || closing_; });
    if (pending_.empty()) return;  // closing, nothing left
    // Let the batch grow until its oldest write is `interval` old, unless it is full or
    // someone waits for it.
    work_.wait_until(lock, oldest_ + policy_.interval, [&] {
      return closing_ || flush_to_ > settled_ || pending_.size() >= policy_.max_batch;
    });
    batch.swap(pending_);
    room_.notify_all();
    lock.unlock();
    writes.clear();
    for (Item& item : batch) writes.push_back(std::move(item.write));
    std::exception_ptr e;
    bool committed = false;
    try {
      commit_(writes);
      committed = true;
      for (Item& item : batch)
        if (item.durable) item.durable();
    } catch (...) {
      e = std::current_exception();
    }
    lock.lock();
    uint64_t dropped = 0;
    if (committed) ++commits_;
    if (e && !failure_) {
      failure_ = e;
      failed_ = true;
      dropped = pending_.size();  // what follows a failed commit must not land out of order
      pending_.clear();
      room_.notify_all();
    }
    settled_ += batch.size() + dropped;
    batch.clear();
    settled_cv_.notify_all();
  }
}

}  // namespace qrsweep::sweep_detail
