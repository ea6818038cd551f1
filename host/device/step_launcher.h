// How an executor issues a step's grouped-op launches, separated from CUDA so the policy is
// tested on the host (tests/test_step_launcher.cpp): with graphs off every launch goes out at
// once; with graphs on a step's launches are held until its end, then replayed from the graph
// captured for the same launches (replay_cache.h), captured on their second sighting, or
// issued one by one. The CUDA executor supplies the device half (LaunchDevice): kernel
// launches, stream capture and graph launches.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "device/executor.h"
#include "device/replay_cache.h"

namespace qrsweep {

// One grouped-op launch as its launcher's arguments: all a captured graph node depends on.
struct HeldLaunch {
  uint64_t op;  // which launcher
  const void* problems;
  const int* offsets;
  int count, total;
};

template <typename Graph>
class LaunchDevice {
 public:
  virtual ~LaunchDevice() = default;
  virtual void prepare() = 0;  // before anything of a step reaches the device (staged copies)
  virtual void issue(const HeldLaunch& l) = 0;
  // Captures `launches` into a graph without running them; nullopt when this device cannot
  // capture (nothing ran). Throws what a launcher throws.
  virtual std::optional<Graph> capture(const std::vector<HeldLaunch>& launches) = 0;
  virtual void replay(const Graph& g) = 0;
};

template <typename Graph>
class StepLauncher {
 public:
  static constexpr int kCaptureAfter = 2;         // sightings before a step is captured
  static constexpr size_t kGraphCapacity = 1024;  // graphs kept, least recently used out

  StepLauncher(LaunchDevice<Graph>& dev, bool graphs) : dev_(dev), graphs_(graphs) {}

  bool graphs() const { return graphs_; }
  const LaunchStats& stats() const { return stats_; }

  // A launch of the current step: issued now, or held for end_step() when graphs are on.
  void launch(const HeldLaunch& l) {
    if (graphs_) {
      held_.push_back(l);
      return;
    }
    dev_.prepare();
    direct_ = true;
    dev_.issue(l);
  }

  // Something outside the ops (a copy, a memset, a wait) must follow what the step launched:
  // issue what is held.
  void drain() {
    if (held_.empty()) return;
    std::vector<HeldLaunch> launches;
    launches.swap(held_);
    dev_.prepare();
    direct_ = true;
    for (const HeldLaunch& l : launches) dev_.issue(l);
  }

  // The launch that bypassed launch() (the cuBLAS path) went out directly.
  void note_direct() { direct_ = true; }

  // The step ends: its held launches go out. Whatever throws, the step is over.
  void end_step() {
    std::vector<HeldLaunch> launches;
    launches.swap(held_);
    const bool launched = direct_ || !launches.empty();
    direct_ = false;
    dev_.prepare();
    if (!launches.empty()) run(launches);
    if (launched) ++stats_.steps;
  }

 private:
  static LaunchSignature signature(const std::vector<HeldLaunch>& launches) {
    LaunchSignature sig;
    sig.reserve(launches.size() * 4);
    for (const HeldLaunch& l : launches) {
      sig.push_back(l.op);
      sig.push_back(reinterpret_cast<uintptr_t>(l.problems));
      sig.push_back(reinterpret_cast<uintptr_t>(l.offsets));
      sig.push_back(static_cast<uint64_t>(static_cast<uint32_t>(l.count)) << 32 |
                    static_cast<uint32_t>(l.total));
    }
    return sig;
  }

  void run(const std::vector<HeldLaunch>& launches) {
    const LaunchSignature sig = signature(launches);
    if (const Graph* g = cache_.find(sig)) {
      dev_.replay(*g);
      ++stats_.graph_replays;
      return;
    }
    if (cache_.sighted(sig)) {
      if (std::optional<Graph> g = dev_.capture(launches)) {
        const Graph& kept = cache_.insert(sig, std::move(*g));
        ++stats_.graph_captures;
        dev_.replay(kept);
        ++stats_.graph_replays;
        return;
      }
      graphs_ = false;  // the device cannot capture: launch directly from now on
    }
    for (const HeldLaunch& l : launches) dev_.issue(l);
  }

  LaunchDevice<Graph>& dev_;
  bool graphs_;
  bool direct_ = false;  // this step issued something directly
  std::vector<HeldLaunch> held_;
  ReplayCache<Graph> cache_{kCaptureAfter, kGraphCapacity};
  LaunchStats stats_;
};

}  // namespace qrsweep
