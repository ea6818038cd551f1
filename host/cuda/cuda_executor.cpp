// CudaExecutor (see cuda_executor.h): one stream, the staging ring (staging_ring.h), the
// launch policy (device/step_launcher.h) over the graph device (graph_device.h), and the
// cuBLAS engine (cublas_path.h) when asked for. With graphs on, a step's own-kernel launches
// are held until end_step(): one copy of the staged descriptors, then either the launches or,
// when the same launches recur, one replay of the graph captured from them.
#include "cuda/cuda_executor.h"

#include <memory>
#include <string>

#include "cuda/cublas_path.h"
#include "cuda/cuda_raii.h"
#include "cuda/graph_device.h"
#include "cuda/staging_ring.h"
#include "device/step_launcher.h"

namespace qrsweep {
namespace {

// The GPU's name and the options, as the store records them (Backend::device()).
std::string describe_device(const cudaDeviceProp& prop, const CudaExecutorOptions& opt) {
  std::string s = std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
                  std::to_string(prop.minor) + ", " +
                  (opt.engine == GemmEngine::kCublas ? "cuBLAS" : "own kernels") +
                  (opt.math == GemmMath::kTf32 ? ", TF32" : ", FP32");
  if (!opt.graphs && opt.engine == GemmEngine::kOwn && !opt.sync_each_op) s += ", no graphs";
  if (opt.sync_each_op) s += ", sync each op";
  return s + ")";
}

cudaDeviceProp open_device(const CudaExecutorOptions& opt) {
  int count = 0;
  CUDA_CHECK(cudaGetDeviceCount(&count));
  if (opt.device < 0 || opt.device >= count)
    throw Error("CUDA device " + std::to_string(opt.device) + " does not exist (" +
                std::to_string(count) + " present)");
  CUDA_CHECK(cudaSetDevice(opt.device));
  cudaDeviceProp prop;
  CUDA_CHECK(cudaGetDeviceProperties(&prop, opt.device));
  if (opt.math == GemmMath::kTf32 && prop.major < 8)
    throw Error(std::string("TF32 needs compute capability 8.0 or newer; ") + prop.name + " has " +
                std::to_string(prop.major) + "." + std::to_string(prop.minor));
  return prop;
}

class CudaExecutor final : public Executor {
 public:
  explicit CudaExecutor(const CudaExecutorOptions& opt)
      : opt_(opt),
        name_(describe_device(open_device(opt), opt)),
        device_(stream(), opt.math, [this] { flush(); }),
        launcher_(device_, opt.graphs && opt.engine == GemmEngine::kOwn && !opt.sync_each_op) {
    if (opt.engine == GemmEngine::kCublas)
      cublas_ = std::make_unique<CublasGemmPath>(stream(), opt.math);
  }

  ~CudaExecutor() override {
    // Let in-flight work finish before the stream, arenas and scratch go away.
    cudaStreamSynchronize(stream());
  }

  std::string describe() const override { return name_; }
  std::string name() const override { return "cuda"; }

  void* allocate(size_t bytes) override {
    void* p = nullptr;
    CUDA_CHECK(cudaMalloc(&p, bytes ? bytes : 1));
    return p;
  }
  void release(void* p) noexcept override { cudaFree(p); }
  void zero(void* dst, size_t bytes) override {
    if (in_step_) launcher_.drain();
    CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, stream()));
  }
  void copy_to_device(void* dst, const void* src, size_t bytes) override {
    if (in_step_) launcher_.drain();
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream()));
    CUDA_CHECK(cudaStreamSynchronize(stream()));  // `src` may be pageable and reused at once
  }
  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    if (in_step_) launcher_.drain();
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream()));
    CUDA_CHECK(cudaStreamSynchronize(stream()));
  }
  void synchronize() override {
    if (in_step_) launcher_.drain();
    CUDA_CHECK(cudaStreamSynchronize(stream()));
  }
  bool memory_info(size_t* free_bytes, size_t* total_bytes) override {
    CUDA_CHECK(cudaMemGetInfo(free_bytes, total_bytes));
    return true;
  }

  void begin_step() override {
    if (in_step_) throw Error("begin_step inside a step");
    ring_.begin_step();
    in_step_ = true;
  }

  const void* stage_bytes(const void* src, size_t bytes) override {
    if (!in_step_) throw Error("staging outside a step");
    return ring_.stage(src, bytes);
  }

  void end_step() override {
    if (!in_step_) throw Error("end_step outside a step");
    try {
      launcher_.end_step();
    } catch (...) {
      // The step is over either way; the slot is reused only after what did launch has run.
      in_step_ = false;
      ring_.end_step(stream(), false);
      throw;
    }
    in_step_ = false;
    ring_.end_step(stream());
  }

  LaunchStats launch_stats() const override { return launcher_.stats(); }

  void gemm(const Staged<GemmProblem>& s) override {
    if (cublas_) {
      flush();
      launcher_.note_direct();
      cublas_->run(s.host, ring_);
      after_op(kGemmOp);
      return;
    }
    launch({kGemmOp, s.problems, s.offsets, s.count, s.total});
  }

  void softmax_xent(const Staged<XentProblem>& s) override {
    launch({kXentOp, s.problems, s.offsets, s.count, s.total});
  }

  void rmsprop(const Staged<RmspropProblem>& s) override {
    launch({kRmspropOp, s.problems, s.offsets, s.count, s.total});
  }

 private:
  cudaStream_t stream() const { return stream_.get(); }

  // Copies what this step staged since the last flush, ahead of the next launch.
  void flush() {
    if (!in_step_) throw Error("CUDA ops run inside begin_step() / end_step()");
    ring_.flush(stream());
  }

  void after_op(uint64_t op) {
    if (!opt_.sync_each_op) return;
    cudaError_t e = cudaStreamSynchronize(stream());
    if (e != cudaSuccess) {
      throw Error(std::string("CUDA error ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) +
                  ") while running the " + op_name(op) + " op");
    }
  }

  void launch(const HeldLaunch& l) {
    if (!in_step_) throw Error("CUDA ops run inside begin_step() / end_step()");
    launcher_.launch(l);
    after_op(l.op);  // sync_each_op: graphs are off, so the op has just been launched
  }

  CudaExecutorOptions opt_;
  std::string name_;
  CudaStream stream_;
  StagingRing ring_;
  CudaGraphDevice device_;
  StepLauncher<CudaGraphExec> launcher_;
  std::unique_ptr<CublasGemmPath> cublas_;
  bool in_step_ = false;
};

}  // namespace

std::shared_ptr<Executor> make_cuda_executor(const CudaExecutorOptions& opt) {
  return std::make_shared<CudaExecutor>(opt);
}

}  // namespace qrsweep
