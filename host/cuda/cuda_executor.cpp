// CudaExecutor (see cuda_executor.h). Descriptors are staged into pinned host memory and
// copied with one cudaMemcpyAsync per step before the step's first launch; a ring of three
// arenas, each released by an event, lets the host build step s+1 while the GPU runs step s.
// With graphs on, a step's own-kernel launches are held until end_step(): one copy of the
// staged descriptors, then either the launches or, when the same launches recur (see
// device/replay_cache.h), one replay of the graph captured from them.
#include "cuda/cuda_executor.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cuda/cublas_grouped.h"
#include "cuda/cuda_raii.h"
#include "device/replay_cache.h"
#include "gemm_stages.cuh"
#include "rmsprop.cuh"
#include "softmax_xent.cuh"

namespace qrsweep {
namespace {

constexpr size_t kStageAlign = 16;
constexpr size_t kFirstChunk = 64 << 10;
constexpr int kRingSlots = 3;
constexpr int kCaptureAfter = 2;         // sightings of a step's launches before capture
constexpr size_t kGraphCapacity = 1024;  // instantiated graphs kept (least recently used out)

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

// One launch of a grouped op, as its launcher's arguments (all a graph node depends on).
enum class Op : uint64_t { kGemm, kXent, kRmsprop };
struct Launch {
  Op op;
  const void* problems;
  const int* offsets;
  int count, total;
};

class CudaExecutor final : public Executor {
 public:
  explicit CudaExecutor(const CudaExecutorOptions& opt) : opt_(opt) {
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
    graphs_on_ = opt.graphs && opt.engine == GemmEngine::kOwn && !opt.sync_each_op;
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

  void* allocate(size_t bytes) override {
    void* p = nullptr;
    CUDA_CHECK(cudaMalloc(&p, bytes ? bytes : 1));
    return p;
  }
  void release(void* p) noexcept override { cudaFree(p); }
  void zero(void* dst, size_t bytes) override {
    drain();
    CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, stream()));
  }
  void copy_to_device(void* dst, const void* src, size_t bytes) override {
    drain();
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream()));
    CUDA_CHECK(cudaStreamSynchronize(stream()));  // `src` may be pageable and reused at once
  }
  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    drain();
    CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream()));
    CUDA_CHECK(cudaStreamSynchronize(stream()));
  }
  void synchronize() override {
    drain();
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
    std::vector<Launch> launches;
    launches.swap(pending_);
    const bool launched = !launches.empty() || issued_direct_;
    issued_direct_ = false;
    Slot& s = slots_[cur_];
    try {
      flush();
      if (!launches.empty()) run_step(launches);
    } catch (...) {
      // The step is over either way; the slot is reused only after what did launch has run.
      in_step_ = false;
      s.recorded = cudaEventRecord(s.done.get(), stream()) == cudaSuccess;
      throw;
    }
    if (launched) ++stats_.steps;
    in_step_ = false;
    CUDA_CHECK(cudaEventRecord(s.done.get(), stream()));
    s.recorded = true;
  }

  LaunchStats launch_stats() const override { return stats_; }

  void gemm(const Staged<GemmProblem>& s) override {
    if (opt_.engine == GemmEngine::kCublas) {
      flush();
      issued_direct_ = true;
      gemm_cublas(s);
      after_op(Op::kGemm);
      return;
    }
    enqueue({Op::kGemm, s.problems, s.offsets, s.count, s.total});
  }

  void softmax_xent(const Staged<XentProblem>& s) override {
    enqueue({Op::kXent, s.problems, s.offsets, s.count, s.total});
  }

  void rmsprop(const Staged<RmspropProblem>& s) override {
    enqueue({Op::kRmsprop, s.problems, s.offsets, s.count, s.total});
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

  static const char* op_name(Op op) {
    switch (op) {
      case Op::kGemm:
        return "grouped GEMM";
      case Op::kXent:
        return "softmax cross-entropy";
      default:
        return "RMSprop";
    }
  }

  void after_op(Op op) {
    if (!opt_.sync_each_op) return;
    cudaError_t e = cudaStreamSynchronize(stream());
    if (e != cudaSuccess) {
      throw Error(std::string("CUDA error ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) +
                  ") while running the " + op_name(op) + " op");
    }
  }

  void issue(const Launch& l) {
    switch (l.op) {
      case Op::kGemm:
        launch_grouped_gemm(static_cast<const GemmProblem*>(l.problems), l.offsets, l.count,
                            l.total, opt_.math, stream());
        break;
      case Op::kXent:
        launch_softmax_xent(static_cast<const XentProblem*>(l.problems), l.count, stream());
        break;
      case Op::kRmsprop:
        launch_rmsprop(static_cast<const RmspropProblem*>(l.problems), l.offsets, l.count, l.total,
                       stream());
        break;
    }
  }

  // An own-kernel op: launched now, or held for end_step() when graphs are on.
  void enqueue(const Launch& l) {
    if (!in_step_) throw Error("CUDA ops run inside begin_step() / end_step()");
    if (graphs_on_) {
      pending_.push_back(l);
      return;
    }
    flush();
    issued_direct_ = true;
    issue(l);
    after_op(l.op);
  }

  // Launches what a step holds before a copy, memset or wait that must follow it.
  void drain() {
    if (pending_.empty()) return;
    flush();
    std::vector<Launch> launches;
    launches.swap(pending_);
    issued_direct_ = true;
    for (const Launch& l : launches) issue(l);
  }

  static LaunchSignature signature(const std::vector<Launch>& launches) {
    LaunchSignature sig;
    sig.reserve(launches.size() * 4);
    for (const Launch& l : launches) {
      sig.push_back(static_cast<uint64_t>(l.op));
      sig.push_back(reinterpret_cast<uintptr_t>(l.problems));
      sig.push_back(reinterpret_cast<uintptr_t>(l.offsets));
      sig.push_back(static_cast<uint64_t>(static_cast<uint32_t>(l.count)) << 32 |
                    static_cast<uint32_t>(l.total));
    }
    return sig;
  }

  // A step's held launches: replayed, captured then replayed, or launched one by one.
  void run_step(const std::vector<Launch>& launches) {
    const LaunchSignature sig = signature(launches);
    if (const CudaGraphExec* g = graphs_.find(sig)) {
      g->launch(stream());
      ++stats_.graph_replays;
      return;
    }
    if (graphs_.sighted(sig)) {
      if (const CudaGraphExec* g = capture(sig, launches)) {
        g->launch(stream());
        ++stats_.graph_captures;
        ++stats_.graph_replays;
        return;
      }
    }
    for (const Launch& l : launches) issue(l);
  }

  // Captures `launches` into a graph; null (and graphs off from now on) when this device or
  // driver cannot capture, in which case nothing was launched.
  const CudaGraphExec* capture(const LaunchSignature& sig, const std::vector<Launch>& launches) {
    cudaError_t e = cudaStreamBeginCapture(stream(), cudaStreamCaptureModeThreadLocal);
    cudaGraph_t graph = nullptr;
    if (e == cudaSuccess) {
      try {
        for (const Launch& l : launches) issue(l);
      } catch (...) {  // a launcher refused: end the capture, report the launcher's error
        if (cudaStreamEndCapture(stream(), &graph) == cudaSuccess && graph) cudaGraphDestroy(graph);
        cudaGetLastError();
        throw;
      }
      e = cudaStreamEndCapture(stream(), &graph);
    }
    if (e == cudaSuccess) {
      try {
        const CudaGraphExec* g = &graphs_.insert(sig, CudaGraphExec(graph));
        cudaGraphDestroy(graph);
        return g;
      } catch (const Error& err) {
        cudaGraphDestroy(graph);
        return give_up_graphs(err.what());
      }
    }
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();  // capture errors are not sticky; clear the last-error slot
    return give_up_graphs(std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")");
  }

  const CudaGraphExec* give_up_graphs(const std::string& why) {
    graphs_on_ = false;
    std::fprintf(stderr, "qrsweep: CUDA Graph capture failed (%s); launching ops directly\n",
                 why.c_str());
    return nullptr;
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
  bool graphs_on_ = false;
  bool issued_direct_ = false;  // this step launched something outside pending_
  std::vector<Launch> pending_;
  ReplayCache<CudaGraphExec> graphs_{kCaptureAfter, kGraphCapacity};
  LaunchStats stats_;
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
