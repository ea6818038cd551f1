// Which launch sequences recur, for the CUDA executor's graph replay (cuda_executor.cpp). A
// step's signature lists each launch's kernel, argument values and grid; two steps with the
// same signature issue exactly the same launches (the descriptors they read are data in staged
// memory, not arguments), so a CUDA Graph captured from one replays the other. A signature is
// captured once it has been seen `capture_after` times (one-off steps such as the last,
// shorter batch of an epoch are launched directly and never instantiated), and the least
// recently replayed graphs are dropped beyond `capacity`. Generic over the graph type so the
// policy is tested on machines without a GPU (tests/test_replay_cache.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <utility>
#include <vector>

namespace qrsweep {

using LaunchSignature = std::vector<uint64_t>;

struct LaunchSignatureHash {
  size_t operator()(const LaunchSignature& s) const noexcept {
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the words
    for (uint64_t w : s) {
      h ^= w;
      h *= 1099511628211ull;
    }
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

template <typename Graph>
class ReplayCache {
 public:
  ReplayCache(int capture_after, size_t capacity)
      : capture_after_(capture_after < 1 ? 1 : capture_after), capacity_(capacity ? capacity : 1) {}

  // The graph captured for `sig`, now the most recently used; null when there is none.
  Graph* find(const LaunchSignature& sig) {
    auto it = index_.find(sig);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return &it->second->second;
  }

  // Counts one sighting of `sig` (which has no graph); true when it is due for capture.
  bool sighted(const LaunchSignature& sig) {
    if (seen_.size() >= 4 * capacity_) seen_.clear();  // bounded: counting starts over
    return ++seen_[sig] >= capture_after_;
  }

  // Keeps the graph captured for `sig` (replacing one there was) and drops the least recently
  // used beyond the capacity.
  Graph& insert(const LaunchSignature& sig, Graph graph) {
    seen_.erase(sig);
    auto it = index_.find(sig);
    if (it != index_.end()) {
      lru_.erase(it->second);
      index_.erase(it);
    }
    lru_.emplace_front(sig, std::move(graph));
    index_.emplace(sig, lru_.begin());
    while (lru_.size() > capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
      ++evictions_;
    }
    return lru_.front().second;
  }

  size_t size() const { return lru_.size(); }
  int64_t evictions() const { return evictions_; }

 private:
  using Entry = std::pair<LaunchSignature, Graph>;
  int capture_after_;
  size_t capacity_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<LaunchSignature, typename std::list<Entry>::iterator, LaunchSignatureHash>
      index_;
  std::unordered_map<LaunchSignature, int, LaunchSignatureHash> seen_;
  int64_t evictions_ = 0;
};

}  // namespace qrsweep
