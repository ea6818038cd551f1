// An Executor that forwards to another and injects one device fault at a chosen grouped-GEMM
// launch (or a refused allocation before it), for the packed scheduler's fault tests (host:
// tests/test_packed_faults.cpp; GPU: tests/gpu_fault_test.cpp). It also counts the GEMM
// launches, so a test can aim the fault at a point of a clean run (after the first trial
// finished, say).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "device/executor.h"
#include "qrsweep/common.h"

namespace qrsweep::test {

enum class Fault {
  kNone,
  kThrow,          // the op throws, as a refused launch does; the device keeps working
  kBrokenDevice,   // the op throws, and so does every later call (a lost device)
  kRefusedLaunch,  // the op reaches the real launcher with an empty list (count 0): it refuses
  kBadPointer,     // the op writes its first problem's output at an unmapped address (GPU)
  // An allocation is refused (cudaMalloc's out of memory), once: the first allocate() after
  // GEMM launch `at` - 1, i.e. a refill before launch `at`. On an executor that knows its
  // memory (a GPU) the real allocator is asked for more than the device has, so the device's
  // own failure path runs; elsewhere allocate() throws as that path does.
  kRefusedAllocation,
};

class FaultExecutor final : public Executor {
 public:
  // Injects `fault` at GEMM launch number `at` (1-based; 0: never).
  FaultExecutor(std::shared_ptr<Executor> inner, Fault fault, int64_t at)
      : in_(std::move(inner)), fault_(fault), at_(at) {}

  int64_t gemm_launches() const { return gemms_; }
  bool fired() const { return fired_; }

  std::string describe() const override { return in_->describe() + " with an injected fault"; }
  std::string name() const override { return in_->name(); }
  void* allocate(size_t bytes) override {
    check();
    if (fault_ == Fault::kRefusedAllocation && at_ > 0 && !fired_ && gemms_ >= at_ - 1) {
      fired_ = true;
      size_t free_bytes = 0, total_bytes = 0;
      if (!in_->memory_info(&free_bytes, &total_bytes))
        throw Error("injected: out of memory allocating " + std::to_string(bytes) + " bytes");
      in_->release(in_->allocate(4 * total_bytes + (size_t{1} << 40)));  // throws
      throw Error("the device granted an allocation larger than its memory");
    }
    return in_->allocate(bytes);
  }
  void release(void* p) noexcept override { in_->release(p); }
  void zero(void* dst, size_t bytes) override {
    check();
    in_->zero(dst, bytes);
  }
  void copy_to_device(void* dst, const void* src, size_t bytes) override {
    check();
    in_->copy_to_device(dst, src, bytes);
  }
  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    check();
    in_->copy_to_host(dst, src, bytes);
  }
  void synchronize() override {
    check();
    in_->synchronize();
  }
  bool memory_info(size_t* free_bytes, size_t* total_bytes) override {
    return in_->memory_info(free_bytes, total_bytes);
  }
  void begin_step() override {
    check();
    in_->begin_step();
  }
  const void* stage_bytes(const void* src, size_t bytes) override {
    return in_->stage_bytes(src, bytes);
  }
  void end_step() override {
    in_->end_step();
    check();
  }
  LaunchStats launch_stats() const override { return in_->launch_stats(); }

  void gemm(const Staged<GemmProblem>& s) override {
    check();
    if (++gemms_ != at_ || fault_ == Fault::kNone || fault_ == Fault::kRefusedAllocation)
      return in_->gemm(s);
    fired_ = true;
    switch (fault_) {
      case Fault::kThrow:
      case Fault::kBrokenDevice:
        throw Error("injected device fault at GEMM launch " + std::to_string(gemms_));
      case Fault::kRefusedLaunch: {
        Staged<GemmProblem> empty = s;
        empty.count = 0;
        return in_->gemm(empty);
      }
      default: {  // kBadPointer
        std::vector<GemmProblem> ps = s.host;
        ps[0].c = reinterpret_cast<float*>(uintptr_t{256});
        ps[0].h = nullptr;
        return in_->gemm(in_->stage_gemm(std::move(ps)));
      }
    }
  }
  void softmax_xent(const Staged<XentProblem>& s) override {
    check();
    in_->softmax_xent(s);
  }
  void rmsprop(const Staged<RmspropProblem>& s) override {
    check();
    in_->rmsprop(s);
  }

 private:
  void check() const {
    if (fired_ && fault_ == Fault::kBrokenDevice) throw Error("injected: the device is lost");
  }

  std::shared_ptr<Executor> in_;
  Fault fault_;
  int64_t at_;
  int64_t gemms_ = 0;
  bool fired_ = false;
};

}  // namespace qrsweep::test
