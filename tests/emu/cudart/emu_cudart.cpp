// The CUDA runtime API on an emulated device (emu_device.h; docs/cuda.md, "The emulated
// device"), compiled against the real CUDA headers and linked instead of libcudart, so
// host/cuda runs unchanged. Work is queued per stream and runs only at synchronisation
// points, in an order that respects stream order and events alone: among streams with work
// ready, a seeded draw picks the next. Device memory is the kernel emulator's (emu_memory.h);
// kernels run on the kernel emulator with its checkers on. Single device, and host calls from
// one thread at a time (a mutex serialises them).
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emu_device.h"
#include "emu_memory.h"
#include "emulator.h"

namespace emu {
// From emu_runtime.h, declared here without its shim types (this file sees the real ones).
enum Error : int;
struct Stream;
using LaunchQueue = void (*)(Stream* stream, const char* kernel, std::function<void()> grid);
void set_launch_queue(LaunchQueue queue);
Error get_last_error();
void set_last_error(Error e);
}  // namespace emu

// One queued piece of work: runs when the stream reaches it (and, for a wait, once the event
// has completed the record it waits for).
struct Item {
  std::function<void()> run;         // null for a wait
  CUevent_st* wait_event = nullptr;  // a cudaStreamWaitEvent
  uint64_t wait_generation = 0;
};

struct Node {  // one captured operation: re-run on every replay, its arguments as captured
  std::function<void()> run;
};

struct CUgraph_st {
  std::vector<Node> nodes;
};
struct CUgraphExec_st {
  std::vector<Node> nodes;
};

struct CUstream_st {
  std::deque<Item> queue;
  // Capture: launches and copies issued on the stream are recorded here instead of queued.
  std::unique_ptr<CUgraph_st> capture;
  bool capture_invalid = false;
  cudaStreamCaptureMode capture_mode = cudaStreamCaptureModeGlobal;
  std::thread::id capture_thread;
};

struct CUevent_st {
  uint64_t recorded = 0;   // records issued
  uint64_t completed = 0;  // records the device has reached
};

namespace {

std::recursive_mutex g_mu;
using Lock = std::lock_guard<std::recursive_mutex>;

size_t g_total = size_t{1} << 30;
size_t g_used = 0;
std::map<void*, size_t> g_device_allocs;
std::set<CUstream_st*> g_streams;
CUstream_st g_default_stream;  // the legacy default stream (nullptr)
uint64_t g_seed = [] {
  const char* e = std::getenv("QRSWEEP_EMU_STREAM_SEED");
  return e && *e ? std::strtoull(e, nullptr, 10) : 1;
}();
std::mt19937_64 g_rng(g_seed);
cudaError_t g_sticky = cudaSuccess;
thread_local cudaError_t t_last = cudaSuccess;
emu_device::Counts g_counts;
emu_device::Fault g_fault = emu_device::Fault::kNone;
int64_t g_fault_at = 0;  // absolute count at which the fault fires

cudaError_t fail(cudaError_t e) {  // a non-sticky error: returned and left as the last error
  t_last = e;
  return e;
}

void make_sticky(cudaError_t e) {
  if (g_sticky == cudaSuccess) g_sticky = e;
  t_last = e;
}

CUstream_st* stream_of(cudaStream_t s) { return s ? s : &g_default_stream; }

bool is_device(const void* p) { return emu::in_device_region(reinterpret_cast<uintptr_t>(p)); }

// Pinned host blocks and their sizes (cudaMallocHost): async copies from or to them are
// asynchronous through and through.
std::map<const unsigned char*, size_t> g_pinned_blocks;
bool pinned_range(const void* p, size_t n) {
  const auto* c = static_cast<const unsigned char*>(p);
  auto it = g_pinned_blocks.upper_bound(c);
  if (it == g_pinned_blocks.begin()) return false;
  --it;
  return c >= it->first && c + n <= it->first + it->second;
}

// Any stream capturing in a mode that makes a call from this thread illegal (global mode
// from any thread, thread-local mode from the capturing thread).
CUstream_st* capture_forbidding_unsafe_calls() {
  std::vector<CUstream_st*> all(g_streams.begin(), g_streams.end());
  all.push_back(&g_default_stream);
  for (CUstream_st* s : all) {
    if (!s->capture) continue;
    if (s->capture_mode == cudaStreamCaptureModeGlobal) return s;
    if (s->capture_mode == cudaStreamCaptureModeThreadLocal &&
        s->capture_thread == std::this_thread::get_id())
      return s;
  }
  return nullptr;
}

// An unsafe call (cudaMalloc, a synchronisation) during a capture that forbids it fails
// and invalidates that capture, as CUDA does.
bool refused_by_capture() {
  if (CUstream_st* s = capture_forbidding_unsafe_calls()) {
    s->capture_invalid = true;
    fail(cudaErrorStreamCaptureUnsupported);
    return true;
  }
  return false;
}

// Runs one item, turning what the emulator reports into CUDA's errors: a checker's fault is
// an illegal address, sticky, as on a GPU; the message goes to stderr.
void execute(const std::function<void()>& run) {
  if (g_sticky != cudaSuccess) return;  // a dead context runs nothing more
  try {
    run();
  } catch (const emu::KernelFault& f) {
    std::fprintf(stderr, "emu: %s\n", f.what());
    make_sticky(cudaErrorIllegalAddress);
  } catch (const std::exception& f) {
    std::fprintf(stderr, "emu: a queued operation failed: %s\n", f.what());
    make_sticky(cudaErrorLaunchFailure);
  }
}

bool ready(const Item& it) { return it.run || it.wait_event->completed >= it.wait_generation; }

// Runs queued work until `done()` holds: each time one stream whose head is ready, drawn
// with the seed. Returns false when nothing is ready and done() still fails (cannot happen
// with the events CUDA allows, kept as a guard).
bool run_until(const std::function<bool()>& done) {
  std::vector<CUstream_st*> all(g_streams.begin(), g_streams.end());
  all.push_back(&g_default_stream);
  while (!done()) {
    if (g_sticky != cudaSuccess) {  // a lost context: queued work is dropped, waits return
      for (CUstream_st* q : all) q->queue.clear();
      return true;
    }
    std::vector<CUstream_st*> ready_streams;
    for (CUstream_st* s : all)
      if (!s->queue.empty() && ready(s->queue.front())) ready_streams.push_back(s);
    if (ready_streams.empty()) {
      std::fprintf(stderr, "emu: queued work waits for an event nothing will record\n");
      return false;
    }
    CUstream_st* s = ready_streams[g_rng() % ready_streams.size()];
    Item it = std::move(s->queue.front());
    s->queue.pop_front();
    if (it.run) execute(it.run);
  }
  return true;
}

void drain_all() {
  std::vector<CUstream_st*> all(g_streams.begin(), g_streams.end());
  all.push_back(&g_default_stream);
  run_until([&] {
    for (CUstream_st* s : all)
      if (!s->queue.empty()) return false;
    return true;
  });
}

void drain(CUstream_st* s) {
  run_until([s] { return s->queue.empty(); });
}

// Queues `run` on the stream, or records it into the stream's capture.
void enqueue(CUstream_st* s, std::function<void()> run) {
  if (s->capture) {
    s->capture->nodes.push_back({std::move(run)});
    return;
  }
  s->queue.push_back({std::move(run)});
}

cudaError_t sticky_or(cudaError_t e) { return g_sticky != cudaSuccess ? g_sticky : e; }

// The launch queue the kernel emulator hands accepted launches to (emu_runtime.h).
void queue_launch(emu::Stream* stream, const char* /*kernel*/, std::function<void()> grid) {
  Lock lock(g_mu);
  CUstream_st* s = stream_of(reinterpret_cast<cudaStream_t>(stream));
  if (!s->capture) {
    ++g_counts.launches;
    if (g_fault == emu_device::Fault::kRefusedLaunch && g_counts.launches == g_fault_at) {
      g_fault = emu_device::Fault::kNone;
      // The launcher's own cudaGetLastError() check reports it, as after a refused <<<>>>.
      emu::set_last_error(static_cast<emu::Error>(cudaErrorLaunchOutOfResources));
      return;
    }
  }
  enqueue(s, [grid = std::move(grid)] {
    ++g_counts.kernels_run;
    if (g_fault == emu_device::Fault::kIllegalAddress && g_counts.kernels_run == g_fault_at) {
      g_fault = emu_device::Fault::kNone;
      std::fprintf(stderr, "emu: injected illegal address at kernel run %lld\n",
                   static_cast<long long>(g_counts.kernels_run));
      make_sticky(cudaErrorIllegalAddress);
      return;
    }
    grid();
  });
}

// The emulated CLI (qrsweep_emulated) takes its device from the environment:
// QRSWEEP_EMU_DEVICE_MIB (the memory size) and QRSWEEP_EMU_FAULT=launch:N|kernel:N|malloc:N
// (one fault, as emu_device::inject).
void configure_from_environment() {
  if (const char* mib = std::getenv("QRSWEEP_EMU_DEVICE_MIB"); mib && *mib)
    g_total = static_cast<size_t>(std::strtoull(mib, nullptr, 10)) << 20;
  const char* f = std::getenv("QRSWEEP_EMU_FAULT");
  if (!f || !*f) return;
  const std::string spec = f;
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const int64_t n =
      colon == std::string::npos ? 0 : std::strtoll(spec.c_str() + colon + 1, nullptr, 10);
  if (n < 1 || (kind != "launch" && kind != "kernel" && kind != "malloc")) {
    std::fprintf(stderr, "emu: QRSWEEP_EMU_FAULT='%s' (expected launch:N, kernel:N or malloc:N)\n",
                 f);
    std::exit(2);
  }
  g_fault = kind == "launch"   ? emu_device::Fault::kRefusedLaunch
            : kind == "kernel" ? emu_device::Fault::kIllegalAddress
                               : emu_device::Fault::kRefusedAllocation;
  g_fault_at = n;
}

// QRSWEEP_EMU_COUNTS=FILE: at exit, the counts (emu_device::Counts) as one line of
// "launches kernels allocations graph_launches", for tests that place a fault mid-run.
void write_counts_at_exit() {
  const char* path = std::getenv("QRSWEEP_EMU_COUNTS");
  if (!path || !*path) return;
  if (std::FILE* f = std::fopen(path, "w")) {
    std::fprintf(f, "%lld %lld %lld %lld\n", static_cast<long long>(g_counts.launches),
                 static_cast<long long>(g_counts.kernels_run),
                 static_cast<long long>(g_counts.allocations),
                 static_cast<long long>(g_counts.graph_launches));
    std::fclose(f);
  }
}

const bool g_installed = [] {
  emu::set_launch_queue(&queue_launch);
  configure_from_environment();
  std::atexit(write_counts_at_exit);
  return true;
}();

}  // namespace

// ---- the controls (emu_device.h) ----
namespace emu_device {

void set_memory_bytes(size_t total) {
  Lock lock(g_mu);
  g_total = total;
}
void set_stream_seed(uint64_t seed) {
  Lock lock(g_mu);
  g_seed = seed;
  g_rng.seed(seed);
}
void inject(Fault fault, int64_t n) {
  Lock lock(g_mu);
  g_fault = fault;
  switch (fault) {
    case Fault::kRefusedLaunch:
      g_fault_at = g_counts.launches + n;
      break;
    case Fault::kIllegalAddress:
      g_fault_at = g_counts.kernels_run + n;
      break;
    case Fault::kRefusedAllocation:
      g_fault_at = g_counts.allocations + n;
      break;
    case Fault::kNone:
      break;
  }
}
Counts counts() {
  Lock lock(g_mu);
  return g_counts;
}
void reset_errors() {
  Lock lock(g_mu);
  drain_all();
  g_sticky = cudaSuccess;
  t_last = cudaSuccess;
  g_fault = Fault::kNone;
  g_counts = Counts{};
}

}  // namespace emu_device

// ---- the runtime API ----
extern "C" {

cudaError_t cudaGetLastError(void) {
  Lock lock(g_mu);
  if (g_sticky != cudaSuccess) return g_sticky;
  cudaError_t e = t_last;
  t_last = cudaSuccess;
  if (e == cudaSuccess) e = static_cast<cudaError_t>(emu::get_last_error());
  return e;
}

cudaError_t cudaPeekAtLastError(void) {
  Lock lock(g_mu);
  return sticky_or(t_last);
}

const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess:
      return "cudaSuccess";
    case cudaErrorInvalidValue:
      return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration:
      return "cudaErrorInvalidConfiguration";
    case cudaErrorLaunchOutOfResources:
      return "cudaErrorLaunchOutOfResources";
    case cudaErrorIllegalAddress:
      return "cudaErrorIllegalAddress";
    case cudaErrorStreamCaptureUnsupported:
      return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated:
      return "cudaErrorStreamCaptureInvalidated";
    case cudaErrorIllegalState:
      return "cudaErrorIllegalState";
    case cudaErrorInvalidResourceHandle:
      return "cudaErrorInvalidResourceHandle";
    case cudaErrorInvalidDevice:
      return "cudaErrorInvalidDevice";
    default:
      return "cudaErrorUnknown";
  }
}

const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess:
      return "no error";
    case cudaErrorMemoryAllocation:
      return "out of memory";
    case cudaErrorLaunchOutOfResources:
      return "too many resources requested for launch";
    case cudaErrorIllegalAddress:
      return "an illegal memory access was encountered";
    case cudaErrorStreamCaptureUnsupported:
      return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated:
      return "operation failed due to a previous error during capture";
    default:
      return cudaGetErrorName(e);
  }
}

cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : fail(cudaErrorInvalidDevice);
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device != 0) return fail(cudaErrorInvalidDevice);
  Lock lock(g_mu);
  std::memset(prop, 0, sizeof *prop);
  std::snprintf(prop->name, sizeof prop->name, "emulated device");
  prop->major = 8;  // TF32 runs on the emulated wmma (tests/emu/shim/mma.h)
  prop->minor = 0;
  prop->totalGlobalMem = g_total;
  prop->multiProcessorCount = 4;
  prop->warpSize = 32;
  prop->maxThreadsPerBlock = 1024;
  return cudaSuccess;
}

cudaError_t cudaMalloc(void** p, size_t bytes) {
  Lock lock(g_mu);
  *p = nullptr;
  if (g_sticky != cudaSuccess) return g_sticky;
  if (refused_by_capture()) return cudaErrorStreamCaptureUnsupported;
  ++g_counts.allocations;
  if (g_fault == emu_device::Fault::kRefusedAllocation && g_counts.allocations == g_fault_at) {
    g_fault = emu_device::Fault::kNone;
    return fail(cudaErrorMemoryAllocation);
  }
  if (bytes > g_total - g_used) return fail(cudaErrorMemoryAllocation);
  void* q = emu::device_malloc(bytes);
  if (!q) return fail(cudaErrorMemoryAllocation);
  g_device_allocs[q] = bytes;
  g_used += bytes;
  *p = q;
  return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
  Lock lock(g_mu);
  if (!p) return sticky_or(cudaSuccess);
  if (refused_by_capture()) return cudaErrorStreamCaptureUnsupported;
  drain_all();  // cudaFree synchronizes the device
  auto it = g_device_allocs.find(p);
  if (it == g_device_allocs.end()) return fail(cudaErrorInvalidValue);
  g_used -= it->second;
  g_device_allocs.erase(it);
  emu::device_free(p);
  return sticky_or(cudaSuccess);
}

cudaError_t cudaMallocHost(void** p, size_t bytes) {
  Lock lock(g_mu);
  if (refused_by_capture()) return cudaErrorStreamCaptureUnsupported;
  *p = std::malloc(bytes ? bytes : 1);
  if (!*p) return fail(cudaErrorMemoryAllocation);
  g_pinned_blocks[static_cast<const unsigned char*>(*p)] = bytes;
  return cudaSuccess;
}

cudaError_t cudaFreeHost(void* p) {
  Lock lock(g_mu);
  if (!p) return cudaSuccess;
  if (refused_by_capture()) return cudaErrorStreamCaptureUnsupported;
  drain_all();
  auto it = g_pinned_blocks.find(static_cast<const unsigned char*>(p));
  if (it == g_pinned_blocks.end()) return fail(cudaErrorInvalidValue);
  g_pinned_blocks.erase(it);
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  Lock lock(g_mu);
  *free_bytes = g_total - g_used;
  *total_bytes = g_total;
  return sticky_or(cudaSuccess);
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned int /*flags*/) {
  Lock lock(g_mu);
  *s = new CUstream_st;
  g_streams.insert(*s);
  return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* s) { return cudaStreamCreateWithFlags(s, 0); }

cudaError_t cudaStreamDestroy(cudaStream_t s) {
  Lock lock(g_mu);
  if (!g_streams.count(s)) return fail(cudaErrorInvalidResourceHandle);
  drain(s);  // work already queued still completes
  g_streams.erase(s);
  delete s;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  Lock lock(g_mu);
  CUstream_st* s = stream_of(stream);
  if (s->capture) {  // a capturing stream cannot be waited for
    s->capture_invalid = true;
    return fail(cudaErrorStreamCaptureUnsupported);
  }
  if (refused_by_capture()) return cudaErrorStreamCaptureUnsupported;
  drain(s);
  return sticky_or(cudaSuccess);
}

cudaError_t cudaDeviceSynchronize(void) {
  Lock lock(g_mu);
  if (refused_by_capture()) return cudaErrorStreamCaptureUnsupported;
  drain_all();
  return sticky_or(cudaSuccess);
}

cudaError_t cudaEventCreate(cudaEvent_t* e) {
  *e = new CUevent_st;
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete e;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t stream) {
  Lock lock(g_mu);
  if (g_sticky != cudaSuccess) return g_sticky;
  CUstream_st* s = stream_of(stream);
  if (s->capture) {  // event nodes (cross-stream captures) are not modelled: refused
    s->capture_invalid = true;
    return fail(cudaErrorStreamCaptureUnsupported);
  }
  const uint64_t generation = ++e->recorded;
  s->queue.push_back({[e, generation] { e->completed = std::max(e->completed, generation); }});
  return cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t e, unsigned int /*flags*/) {
  Lock lock(g_mu);
  CUstream_st* s = stream_of(stream);
  if (s->capture) {
    s->capture_invalid = true;
    return fail(cudaErrorStreamCaptureUnsupported);
  }
  // Waits for the record most recently issued; none issued: nothing to wait for.
  s->queue.push_back({nullptr, e, e->recorded});
  return sticky_or(cudaSuccess);
}

cudaError_t cudaEventSynchronize(cudaEvent_t e) {
  Lock lock(g_mu);
  if (refused_by_capture()) return cudaErrorStreamCaptureUnsupported;
  const uint64_t want = e->recorded;
  run_until([e, want] { return e->completed >= want; });
  return sticky_or(cudaSuccess);
}

cudaError_t cudaEventQuery(cudaEvent_t e) {
  Lock lock(g_mu);
  return sticky_or(e->completed >= e->recorded ? cudaSuccess : cudaErrorNotReady);
}

cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t stream) {
  Lock lock(g_mu);
  if (g_sticky != cudaSuccess) return g_sticky;
  if (!emu::device_addressable(reinterpret_cast<uintptr_t>(dst), bytes))
    return fail(cudaErrorInvalidValue);
  enqueue(stream_of(stream), [=] { std::memset(dst, value, bytes); });
  return cudaSuccess;
}

// Async copies: device to device and to or from pinned memory are asynchronous (the host bytes
// are read or written when the copy runs). Between the device and pageable memory CUDA says
// the call "might be synchronous" (it may stage the source, or wait for the copy), so code
// must rely on neither: here they are asynchronous too, the least favourable reading, and a
// pageable buffer reused or read before a synchronisation shows. During a capture only copies
// with pinned or device memory can be recorded.
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream) {
  Lock lock(g_mu);
  if (g_sticky != cudaSuccess) return g_sticky;
  CUstream_st* s = stream_of(stream);
  const bool dst_dev = is_device(dst), src_dev = is_device(src);
  if (kind == cudaMemcpyDefault) {
    kind = dst_dev ? (src_dev ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                   : (src_dev ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
  }
  const bool ok = (kind == cudaMemcpyHostToDevice && dst_dev && !src_dev) ||
                  (kind == cudaMemcpyDeviceToHost && src_dev && !dst_dev) ||
                  (kind == cudaMemcpyDeviceToDevice && src_dev && dst_dev) ||
                  (kind == cudaMemcpyHostToHost && !src_dev && !dst_dev);
  if (!ok) return fail(cudaErrorInvalidValue);
  if (dst_dev && !emu::device_addressable(reinterpret_cast<uintptr_t>(dst), bytes))
    return fail(cudaErrorInvalidValue);
  if (src_dev && !emu::device_addressable(reinterpret_cast<uintptr_t>(src), bytes))
    return fail(cudaErrorInvalidValue);
  const bool pageable_src = !src_dev && !pinned_range(src, bytes);
  const bool pageable_dst = !dst_dev && !pinned_range(dst, bytes);
  if (s->capture && (pageable_src || pageable_dst)) {
    s->capture_invalid = true;
    return fail(cudaErrorStreamCaptureUnsupported);
  }
  enqueue(s, [=] { std::memcpy(dst, src, bytes); });
  return sticky_or(cudaSuccess);
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
  Lock lock(g_mu);
  if (refused_by_capture()) return cudaErrorStreamCaptureUnsupported;
  cudaError_t e = cudaMemcpyAsync(dst, src, bytes, kind, nullptr);
  if (e != cudaSuccess) return e;
  drain(&g_default_stream);
  return sticky_or(cudaSuccess);
}

cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode) {
  Lock lock(g_mu);
  if (!stream) return fail(cudaErrorStreamCaptureUnsupported);  // the legacy stream cannot
  CUstream_st* s = stream;
  if (s->capture) return fail(cudaErrorIllegalState);
  s->capture = std::make_unique<CUgraph_st>();
  s->capture_invalid = false;
  s->capture_mode = mode;
  s->capture_thread = std::this_thread::get_id();
  return cudaSuccess;
}

cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  Lock lock(g_mu);
  *graph = nullptr;
  CUstream_st* s = stream_of(stream);
  if (!s->capture) return fail(cudaErrorIllegalState);
  std::unique_ptr<CUgraph_st> g = std::move(s->capture);
  if (s->capture_invalid) {
    s->capture_invalid = false;
    return fail(cudaErrorStreamCaptureInvalidated);
  }
  *graph = g.release();
  return cudaSuccess;
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph,
                                 unsigned long long /*flags*/) {
  Lock lock(g_mu);
  if (!graph) return fail(cudaErrorInvalidValue);
  *exec = new CUgraphExec_st{graph->nodes};
  return cudaSuccess;
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  Lock lock(g_mu);
  if (g_sticky != cudaSuccess) return g_sticky;
  CUstream_st* s = stream_of(stream);
  if (s->capture) {
    s->capture_invalid = true;
    return fail(cudaErrorStreamCaptureUnsupported);
  }
  ++g_counts.launches;
  ++g_counts.graph_launches;
  if (g_fault == emu_device::Fault::kRefusedLaunch && g_counts.launches == g_fault_at) {
    g_fault = emu_device::Fault::kNone;
    return fail(cudaErrorLaunchOutOfResources);
  }
  for (const Node& n : exec->nodes) s->queue.push_back({n.run});
  return cudaSuccess;
}

}  // extern "C"
