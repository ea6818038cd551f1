// The part of an Executor whose "device" memory is the host's: the host reference executor
// (reference_executor.cpp) and the tests' kernel emulator (tests/emu/emulated_executor.cpp).
// Copies are memcpy and launches run at once in the calling thread, so nothing waits; a
// step's staged descriptors go into blocks the subclass provides (stage_block), each valid
// until the next step begins (drop_staged).
#pragma once
#include <cstring>

#include "device/executor.h"
#include "qrsweep/common.h"

namespace qrsweep {

class HostMemoryExecutor : public Executor {
 public:
  void zero(void* dst, size_t bytes) override { std::memset(dst, 0, bytes); }
  void copy_to_device(void* dst, const void* src, size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void synchronize() override {}

  void begin_step() override {
    if (in_step_) throw Error("begin_step inside a step");
    in_step_ = true;
    drop_staged();
  }
  const void* stage_bytes(const void* src, size_t bytes) override {
    if (!in_step_) throw Error("staging outside a step");
    void* dst = stage_block(bytes);
    std::memcpy(dst, src, bytes);
    return dst;
  }
  void end_step() override {
    if (!in_step_) throw Error("end_step outside a step");
    in_step_ = false;
  }

 protected:
  // Memory for `bytes` staged bytes, its own block (earlier blocks keep their addresses while
  // the step grows), valid until drop_staged.
  virtual void* stage_block(size_t bytes) = 0;
  virtual void drop_staged() noexcept = 0;

 private:
  bool in_step_ = false;
};

}  // namespace qrsweep
