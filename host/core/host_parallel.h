// Host work of the packed scheduler that can use the machine's cores while the device waits
// for it: glorot initial weights of trials about to be admitted and next-epoch permutations
// (measured on the build machine: 5.9 s to initialise the notebook plan's 300 trials, 0.5 ms
// per 50,000-row permutation, on one thread). The results are those of init_weights and
// epoch_permutation, whatever thread computed them.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace qrsweep::packed {

// Threads for host work: the cores this process may use, at most 16.
int host_threads();

// Runs f(i) for every i in [0, n) on up to `threads` threads (the caller's among them);
// rethrows the first exception once all have stopped.
template <typename F>
void parallel_for(size_t n, int threads, const F& f) {
  const size_t workers = std::min<size_t>(n, static_cast<size_t>(std::max(threads, 1)));
  if (workers <= 1) {
    for (size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr first;
  std::mutex mu;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        f(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!first) first = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (first) std::rethrow_exception(first);
}

}  // namespace qrsweep::packed
