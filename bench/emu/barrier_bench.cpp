// Why the kernel emulator (tests/emu) runs a block's CUDA threads as fibers: the cost of one
// barrier round of a 256-thread block, with one OS thread per CUDA thread and std::barrier
// versus Boost.Context fibers switched by one scheduler. Prints both and their ratio.
//   g++ -std=c++20 -O2 bench/emu/barrier_bench.cpp -o /tmp/barrier_bench -lboost_context -pthread
#include <barrier>
#include <boost/context/fiber.hpp>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace ctx = boost::context;

int main() {
  constexpr int kThreads = 256, kRounds = 200;
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  {
    std::barrier bar(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
      threads.emplace_back([&] {
        for (int r = 0; r < kRounds; ++r) bar.arrive_and_wait();
      });
    for (auto& t : threads) t.join();
  }
  const auto t1 = clock::now();
  {
    std::vector<ctx::fiber> self(kThreads), back(kThreads);
    for (int i = 0; i < kThreads; ++i)
      self[i] = ctx::fiber([&, i](ctx::fiber&& b) {
        back[i] = std::move(b);
        for (int r = 0; r < kRounds; ++r) back[i] = std::move(back[i]).resume();  // the barrier
        return std::move(back[i]);
      });
    for (int r = 0; r <= kRounds; ++r)
      for (int i = 0; i < kThreads; ++i) self[i] = std::move(self[i]).resume();
  }
  const auto t2 = clock::now();
  const double threads_us = std::chrono::duration<double, std::micro>(t1 - t0).count() / kRounds;
  const double fibers_us = std::chrono::duration<double, std::micro>(t2 - t1).count() / kRounds;
  std::printf(
      "one barrier round of %d threads: OS threads + std::barrier %.1f us, fibers %.1f us"
      " (fibers %.0fx faster)\n",
      kThreads, threads_us, fibers_us, threads_us / fibers_us);
}
