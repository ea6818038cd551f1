// The emulated executor (emulated_executor.h). Launches run at once, in the calling thread,
// so copies need no ordering and a step's staged descriptors live until the next step begins.
#include "emulated_executor.h"

#include <vector>

#include "device/host_memory_executor.h"
#include "emu_memory.h"
#include "grouped_gemm.cuh"
#include "qrsweep/common.h"
#include "rmsprop.cuh"
#include "softmax_xent.cuh"

namespace qrsweep {
namespace {

class EmulatedExecutor final : public HostMemoryExecutor {
 public:
  ~EmulatedExecutor() override { drop_staged(); }
  std::string describe() const override { return "kernel emulator (tests/emu)"; }
  std::string name() const override { return "emulated"; }

  void* allocate(size_t bytes) override {
    void* p = emu::device_malloc(bytes);
    if (!p) throw Error("kernel emulator: out of emulated device memory");
    return p;
  }
  void release(void* p) noexcept override { emu::device_free(p); }

  void gemm(const Staged<GemmProblem>& s) override {
    launch_grouped_gemm(s.problems, s.offsets, s.count, s.total, GemmMath::kFp32, nullptr);
  }
  void softmax_xent(const Staged<XentProblem>& s) override {
    launch_softmax_xent(s.problems, s.count, nullptr);
  }
  void rmsprop(const Staged<RmspropProblem>& s) override {
    launch_rmsprop(s.problems, s.offsets, s.count, s.total, nullptr);
  }

 private:
  void* stage_block(size_t bytes) override {
    void* dst = allocate(bytes);  // its own allocation: a stray read hits a red zone
    staged_.push_back(dst);
    return dst;
  }
  void drop_staged() noexcept override {
    for (void* p : staged_) emu::device_free(p);
    staged_.clear();
  }
  std::vector<void*> staged_;
};

}  // namespace

std::shared_ptr<Executor> make_emulated_executor() { return std::make_shared<EmulatedExecutor>(); }

}  // namespace qrsweep
