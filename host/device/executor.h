// The device the CUDA backend drives, as an interface: memory, descriptor staging and the
// grouped ops. CudaExecutor runs them on a GPU; ReferenceExecutor runs the same descriptors
// with plain loops on the host (the kernels' CPU twin at the descriptor level), so the whole
// backend, buffers and indexing included, is exercised and tested on machines without a GPU.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "qrsweep/problems.h"

namespace qrsweep {

// A problem list staged in executor memory for one launch, with its host copy.
template <typename P>
struct Staged {
  const P* problems = nullptr;   // executor memory: what the op reads
  const int* offsets = nullptr;  // executor memory: prefix sum of tiles / chunks, count + 1
  int count = 0;
  int total = 0;  // offsets[count]
  std::vector<P> host;
};

// How an executor issued its steps (CUDA Graph replay, cuda_executor.h); zeros on the host.
struct LaunchStats {
  int64_t steps = 0;           // steps that launched at least one op
  int64_t graph_replays = 0;   // of those, replayed from a captured graph
  int64_t graph_captures = 0;  // graphs captured and instantiated
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string describe() const = 0;
  // The backend name the work is recorded under: "cuda" on the GPU; the host executors
  // name themselves ("reference", "emulated").
  virtual std::string name() const = 0;

  // Memory. copy_to_device returns once `src` may be reused; copy_to_host waits for every op
  // enqueued before it. zero() is ordered with the ops.
  virtual void* allocate(size_t bytes) = 0;
  virtual void release(void* p) noexcept = 0;
  virtual void zero(void* dst, size_t bytes) = 0;
  virtual void copy_to_device(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void synchronize() = 0;
  // Free and total bytes of executor memory (cudaMemGetInfo); false when unknown (the host).
  virtual bool memory_info(size_t* free_bytes, size_t* total_bytes) {
    (void)free_bytes;
    (void)total_bytes;
    return false;
  }

  // Descriptor staging: begin_step() opens an arena, stage_bytes() appends to it and returns
  // the executor address the ops will read, end_step() closes it. What a step staged stays
  // valid until the ops enqueued during that step have run; steps do not nest.
  virtual void begin_step() = 0;
  virtual const void* stage_bytes(const void* src, size_t bytes) = 0;
  virtual void end_step() = 0;
  virtual LaunchStats launch_stats() const { return {}; }

  // The grouped ops (kernels/*.cuh), run in the order they are called. Within one gemm()
  // launch no problem may write memory another problem of the same launch reads.
  virtual void gemm(const Staged<GemmProblem>& s) = 0;
  virtual void softmax_xent(const Staged<XentProblem>& s) = 0;
  virtual void rmsprop(const Staged<RmspropProblem>& s) = 0;

  // Validate on the host (throws Error naming the fault), compute the offsets, stage.
  Staged<GemmProblem> stage_gemm(std::vector<GemmProblem> problems);
  Staged<XentProblem> stage_xent(std::vector<XentProblem> problems);
  Staged<RmspropProblem> stage_rmsprop(std::vector<RmspropProblem> problems);
};

// Host-side checks of one descriptor (shapes, modes, leading dimensions, pointers): a bad
// descriptor becomes an Error on the host instead of a fault on the device.
void check_problem(const GemmProblem& p);
void check_problem(const XentProblem& p);
void check_problem(const RmspropProblem& p);

// Prefix sum of per-problem tile / chunk counts: offsets[0] = 0, offsets[i + 1] =
// offsets[i] + count(problem i). Throws when the total would overflow an int.
std::vector<int> prefix_offsets(const std::vector<int>& counts);

// Owns `count` elements of executor memory; move-only.
template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(Executor* ex, size_t count)
      : ex_(ex),
        p_(count ? static_cast<T*>(ex->allocate(count * sizeof(T))) : nullptr),
        n_(count) {}
  ~DeviceArray() { reset(); }
  DeviceArray(DeviceArray&& o) noexcept { swap(o); }
  // Takes `o` by value (moved in): what this held is released with it.
  DeviceArray& operator=(DeviceArray o) noexcept {
    swap(o);
    return *this;
  }
  DeviceArray(const DeviceArray&) = delete;

  T* get() const { return p_; }
  size_t size() const { return n_; }
  void reset() noexcept {
    if (p_) ex_->release(p_);
    p_ = nullptr;
    n_ = 0;
  }
  void swap(DeviceArray& o) noexcept {
    std::swap(ex_, o.ex_);
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
  }

 private:
  Executor* ex_ = nullptr;
  T* p_ = nullptr;
  size_t n_ = 0;
};

// The host executor: every op runs at once, in the calling thread (see the file comment).
std::shared_ptr<Executor> make_reference_executor();

}  // namespace qrsweep
