// CudaExecutor (see cuda_executor.h). Descriptors are staged into pinned host memory and
// copied with one cudaMemcpyAsync per step before the step's first launch; a ring of three
// arenas, each released by an event, lets the host build step s+1 while the GPU runs step s.
// With graphs on, a step's own-kernel launches are held until end_step(): one copy of the
// staged descriptors, then either the launches or, when the same launches recur, one replay
// of the graph captured from them (the policy: device/step_launcher.h; this file supplies
// the kernel launches, stream capture and graph launches).
#include "cuda/cuda_executor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cuda/cublas_grouped.h"
#include "cuda/cuda_raii.h"
#include "device/step_launcher.h"
#include "gemm_stages.cuh"
#include "rmsprop.cuh"
#include "softmax_xent.cuh"

namespace qrsweep {
namespace {

constexpr size_t kStageAlign = 16;
constexpr size_t kFirstChunk = 64 << 10;
constexpr int kRingSlots = 3;

size_t align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

// One arena: pinned host bytes and their device twin at the same offsets.
struct Chunk {
  PinnedMemory host;
  DeviceMemory dev;
  size_t used = 0, flushed = 0;
  explicit Chunk(size_t bytes) : host(bytes), dev(bytes) {}
};

struct Slot {
  std::vector<std::unique_ptr<Chunk>> chunks;
  CudaEvent done;
  bool recorded = false;
};

enum Op : uint64_t { kGemmOp, kXentOp, kRmspropOp };  // HeldLaunch::op

class CudaExecutor final : public Executor, private LaunchDevice<CudaGraphExec> {
 public:
  explicit CudaExecutor(const CudaExecutorOptions& opt)
      : opt_(opt),
        launcher_(*this, opt.graphs && opt.engine == GemmEngine::kOwn && !opt.sync_each_op) {
    int count = 0;
    CUDA_CHECK(cudaGetDeviceCount(&count));
    if (opt.device < 0 || opt.device >= count)
      throw Error("CUDA device " + std::to_string(opt.device) + " does not exist (" +
                  std::to_string(count) + " present)");
    CUDA_CHECK(cudaSetDevice(opt.device));
    cudaDeviceProp prop;
    CUDA_CHECK(cudaGetDeviceProperties(&prop, opt.device));
    if (opt.math == GemmMath::kTf32 && prop.major < 8)
      throw Error(std::string("TF32 needs compute capability 8.0 or newer; ") + prop.name +
                  " has " + std::to_string(prop.major) + "." + std::to_string(prop.minor));
    name_ = std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
            std::to_string(prop.minor) + ", " +
            (opt.engine == GemmEngine::kCublas ? "cuBLAS" : "own kernels") +
            (opt.math == GemmMath::kTf32 ? ", TF32" : ", FP32") + ")";
    stream_ = std::make_unique<CudaStream>();
    slots_.resize(kRingSlots);
    if (opt.engine == GemmEngine::kCublas) {
      cublas_ = std::make_unique<CublasHandle>();
      CUBLAS_CHECK(cublasSetStream(cublas_->get(), stream()));
      CUBLAS_CHECK(cublasSetMathMode(cublas_->get(), opt.math == GemmMath::kTf32
                                                         ? CUBLAS_TF32_TENSOR_OP_MATH
                                                         : CUBLAS_DEFAULT_MATH));
    }
  }

  ~CudaExecutor() override {
    // Let in-flight work finish before the stream, arenas and scratch go away.
    if (stream_) cudaStreamSynchronize(stream());
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
    cur_ = (cur_ + 1) % kRingSlots;
    Slot& s = slots_[cur_];
    if (s.recorded) CUDA_CHECK(cudaEventSynchronize(s.done.get()));  // its last step has run
    if (s.chunks.size() > 1) {  // the arena overflowed last time: one chunk of the total
      size_t total = 0;
      for (auto& c : s.chunks) total += c->host.bytes();
      s.chunks.clear();
      s.chunks.push_back(std::make_unique<Chunk>(total));
    }
    for (auto& c : s.chunks) c->used = c->flushed = 0;
    in_step_ = true;
  }

  const void* stage_bytes(const void* src, size_t bytes) override {
    if (!in_step_) throw Error("staging outside a step");
    Slot& s = slots_[cur_];
    if (s.chunks.empty()) s.chunks.push_back(std::make_unique<Chunk>(std::max(kFirstChunk, bytes)));
    Chunk* c = s.chunks.back().get();
    size_t off = align_up(c->used, kStageAlign);
    if (off + bytes > c->host.bytes()) {
      // A new chunk: earlier addresses of this step stay valid.
      s.chunks.push_back(std::make_unique<Chunk>(std::max(2 * c->host.bytes(), bytes)));
      c = s.chunks.back().get();
      off = 0;
    }
    std::memcpy(c->host.get<unsigned char>() + off, src, bytes);
    c->used = off + bytes;
    return c->dev.get<unsigned char>() + off;
  }

  void end_step() override {
    if (!in_step_) throw Error("end_step outside a step");
    Slot& s = slots_[cur_];
    try {
      launcher_.end_step();
    } catch (...) {
      // The step is over either way; the slot is reused only after what did launch has run.
      in_step_ = false;
      s.recorded = cudaEventRecord(s.done.get(), stream()) == cudaSuccess;
      throw;
    }
    in_step_ = false;
    CUDA_CHECK(cudaEventRecord(s.done.get(), stream()));
    s.recorded = true;
  }

  LaunchStats launch_stats() const override { return launcher_.stats(); }

  void gemm(const Staged<GemmProblem>& s) override {
    if (opt_.engine == GemmEngine::kCublas) {
      flush();
      launcher_.note_direct();
      gemm_cublas(s);
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
  cudaStream_t stream() const { return stream_->get(); }

  // Copies what this step staged since the last flush, ahead of the next launch.
  void flush() {
    if (!in_step_) throw Error("CUDA ops run inside begin_step() / end_step()");
    for (auto& c : slots_[cur_].chunks) {
      if (c->used > c->flushed) {
        CUDA_CHECK(cudaMemcpyAsync(c->dev.get<unsigned char>() + c->flushed,
                                   c->host.get<unsigned char>() + c->flushed, c->used - c->flushed,
                                   cudaMemcpyHostToDevice, stream()));
        c->flushed = c->used;
      }
    }
  }

  static const char* op_name(uint64_t op) {
    switch (op) {
      case kGemmOp:
        return "grouped GEMM";
      case kXentOp:
        return "softmax cross-entropy";
      default:
        return "RMSprop";
    }
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

  // ---- LaunchDevice: the device half of StepLauncher ----
  void prepare() override { flush(); }

  void issue(const HeldLaunch& l) override {
    switch (l.op) {
      case kGemmOp:
        launch_grouped_gemm(static_cast<const GemmProblem*>(l.problems), l.offsets, l.count,
                            l.total, opt_.math, stream());
        break;
      case kXentOp:
        launch_softmax_xent(static_cast<const XentProblem*>(l.problems), l.count, stream());
        break;
      default:
        launch_rmsprop(static_cast<const RmspropProblem*>(l.problems), l.offsets, l.count, l.total,
                       stream());
        break;
    }
  }

  void replay(const CudaGraphExec& g) override { g.launch(stream()); }

  std::optional<CudaGraphExec> capture(const std::vector<HeldLaunch>& launches) override {
    cudaError_t e = cudaStreamBeginCapture(stream(), cudaStreamCaptureModeThreadLocal);
    cudaGraph_t graph = nullptr;
    if (e == cudaSuccess) {
      try {
        for (const HeldLaunch& l : launches) issue(l);
      } catch (...) {  // a launcher refused: end the capture, report the launcher's error
        if (cudaStreamEndCapture(stream(), &graph) == cudaSuccess && graph) cudaGraphDestroy(graph);
        cudaGetLastError();
        throw;
      }
      e = cudaStreamEndCapture(stream(), &graph);
    }
    std::string why;
    if (e == cudaSuccess) {
      try {
        CudaGraphExec exec(graph);
        cudaGraphDestroy(graph);
        return exec;
      } catch (const Error& err) {
        why = err.what();
      }
    } else {
      why = std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
    }
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();  // capture errors are not sticky; clear the last-error slot
    std::fprintf(stderr, "qrsweep: CUDA Graph capture failed (%s); launching ops directly\n",
                 why.c_str());
    return std::nullopt;
  }

  float* scratch(size_t bytes) {
    if (bytes > scratch_.bytes()) {
      CUDA_CHECK(cudaStreamSynchronize(stream()));  // earlier ops may still read it
      scratch_ = DeviceMemory(std::max(bytes, 2 * scratch_.bytes()));
    }
    return scratch_.get<float>();
  }

  // cuBLAS for the products, grouped kernels for what it cannot fuse: A operands read
  // through a gather or a ones row are materialized first; epilogues run after, in place.
  void gemm_cublas(const Staged<GemmProblem>& s) {
    const std::vector<GemmProblem>& ps = s.host;
    std::vector<size_t> a_off(ps.size(), 0);
    size_t need = 0;
    for (size_t q = 0; q < ps.size(); ++q) {
      if (!cublas_needs_materialized_a(ps[q])) continue;
      a_off[q] = need;
      need += align_up(static_cast<size_t>(ps[q].m) * ps[q].k * sizeof(float), 256);
    }
    std::vector<const float*> a_override(ps.size(), nullptr);
    std::vector<GemmStage> mat, epi;
    std::vector<int> mat_chunks, epi_chunks;
    if (need) {
      unsigned char* base = reinterpret_cast<unsigned char*>(scratch(need));
      for (size_t q = 0; q < ps.size(); ++q) {
        if (!cublas_needs_materialized_a(ps[q])) continue;
        GemmStage st{ps[q], reinterpret_cast<float*>(base + a_off[q])};
        a_override[q] = st.a_out;
        mat_chunks.push_back(stage_chunks(st, true));
        mat.push_back(st);
      }
    }
    for (const GemmProblem& p : ps) {
      if (p.epilogue == kStore) continue;
      GemmStage st{p, nullptr};
      epi_chunks.push_back(stage_chunks(st, false));
      epi.push_back(st);
    }
    if (!mat.empty()) {
      auto off = prefix_offsets(mat_chunks);
      auto* d_st =
          static_cast<const GemmStage*>(stage_bytes(mat.data(), mat.size() * sizeof(GemmStage)));
      auto* d_off = static_cast<const int*>(stage_bytes(off.data(), off.size() * sizeof(int)));
      flush();
      launch_materialize_a(d_st, d_off, static_cast<int>(mat.size()), off.back(), stream());
    }
    CublasGroupedCall call = make_cublas_grouped_call(ps, &a_override);
    auto* d_a = static_cast<const float* const*>(
        stage_bytes(call.a.data(), call.a.size() * sizeof(float*)));
    auto* d_b = static_cast<const float* const*>(
        stage_bytes(call.b.data(), call.b.size() * sizeof(float*)));
    auto* d_c =
        static_cast<float* const*>(stage_bytes(call.c.data(), call.c.size() * sizeof(float*)));
    flush();
    run_cublas_grouped(cublas_->get(), call, d_a, d_b, d_c);
    if (!epi.empty()) {
      auto off = prefix_offsets(epi_chunks);
      auto* d_st =
          static_cast<const GemmStage*>(stage_bytes(epi.data(), epi.size() * sizeof(GemmStage)));
      auto* d_off = static_cast<const int*>(stage_bytes(off.data(), off.size() * sizeof(int)));
      flush();
      launch_gemm_epilogue(d_st, d_off, static_cast<int>(epi.size()), off.back(), stream());
    }
  }

  CudaExecutorOptions opt_;
  std::string name_;
  std::unique_ptr<CudaStream> stream_;
  std::vector<Slot> slots_;
  int cur_ = -1;
  bool in_step_ = false;
  StepLauncher<CudaGraphExec> launcher_;
  std::unique_ptr<CublasHandle> cublas_;
  DeviceMemory scratch_;
};

}  // namespace

std::shared_ptr<Executor> make_cuda_executor(const CudaExecutorOptions& opt) {
  return std::make_shared<CudaExecutor>(opt);
}

namespace {

bool env_flag(const char* name, bool fallback) {
  const char* e = std::getenv(name);
  if (!e || !*e) return fallback;
  const std::string v = e;
  if (v == "0" || v == "1") return v == "1";
  throw ConfigError(std::string(name) + "='" + v + "' (expected 0 or 1)");
}

}  // namespace

void apply_cuda_environment(CudaExecutorOptions* opt) {
  if (const char* e = std::getenv("QRSWEEP_CUDA_GEMM")) {
    std::string v = e;
    if (v == "own")
      opt->engine = GemmEngine::kOwn;
    else if (v == "cublas")
      opt->engine = GemmEngine::kCublas;
    else
      throw ConfigError("QRSWEEP_CUDA_GEMM='" + v + "' (expected own or cublas)");
  }
  opt->sync_each_op = env_flag("QRSWEEP_CUDA_SYNC", opt->sync_each_op);
  opt->graphs = env_flag("QRSWEEP_CUDA_GRAPHS", opt->graphs);
}

}  // namespace qrsweep
