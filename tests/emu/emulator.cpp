// The emulator of CUDA's execution model (emu_kernel.h): a grid's blocks run one at a time in
// a seed-shuffled order; a block's threads are fibers (Boost.Context) that run in turn until
// each reaches __syncthreads or returns, then the barrier opens for all. Every load and store
// the kernel makes reaches on_access() through the instrumentation callbacks (__emu_load4 and
// friends, see tests/emu/CMakeLists.txt), where the checkers run:
//   - global memory: inside the device region, only bytes of live allocations are accessible;
//   - shared memory: per byte, the threads that read and wrote it since the last barrier
//     (race: two threads, one writing) and whether any thread wrote it in this block
//     (uninitialised read);
// barrier divergence is checked when a phase ends, alignment by the vector types.
#include "emulator.h"

#include <sys/mman.h>

#include <algorithm>
#include <boost/context/fiber.hpp>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "emu_kernel.h"
#include "emu_memory.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define QRS_EMU_ASAN 1
#endif

// The section every __shared__ variable lives in (emu_kernel.h); weak: a binary without
// emulated kernels has none.
extern "C" {
extern char __start_qrs_emu_shared[] __attribute__((weak));
extern char __stop_qrs_emu_shared[] __attribute__((weak));
}

namespace emu {
namespace {

namespace ctx = boost::context;

constexpr int kMaxThreads = 1024;
constexpr size_t kStackBytes = size_t{256} << 10;
constexpr size_t kMaxReports = 8;

enum class State { kRunning, kAtBarrier, kAtWarpSync, kDone };

struct Thread {
  uint3 idx{};
  int linear = 0;
  State state = State::kRunning;
  const char* bar_file = nullptr;
  int bar_line = 0;
  ctx::fiber self;  // held by the scheduler while the thread is suspended
  ctx::fiber back;  // held by the thread while it runs: the way back to the scheduler
  void* fake_stack = nullptr;
};

// Shared-memory shadow: one cell per 4-byte word of the section (the kernels' shared data
// are words and vectors of words; two threads writing different bytes of one word would be
// reported as a race).
constexpr int32_t kNone = -1, kMany = -2;
struct Cell {
  uint32_t serial = 0;  // block that last touched the byte (0: none yet)
  uint32_t epoch = 0;   // barrier phase of that block
  int32_t writer = kNone, reader = kNone;
  bool init = false;
};

struct Stacks {  // one stack per CUDA thread, reused by every block
  unsigned char* base = nullptr;
  Stacks() {
    void* p = mmap(nullptr, kStackBytes * kMaxThreads, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      std::fprintf(stderr, "emu: cannot map the fiber stacks\n");
      std::abort();
    }
    base = static_cast<unsigned char*>(p);
  }
  unsigned char* bottom(int t) const { return base + kStackBytes * static_cast<size_t>(t); }
};

struct PoolStack {  // Boost.Context stack allocator over one preallocated stack
  unsigned char* bottom;
  ctx::stack_context allocate() {
    ctx::stack_context sc;
    sc.size = kStackBytes;
    sc.sp = bottom + kStackBytes;
    return sc;
  }
  void deallocate(ctx::stack_context&) noexcept {}
};

struct Launch {
  const char* kernel = "";
  dim3 grid, block;
  uint64_t seed = 0;
  uint3 bidx{};
  uint32_t serial = 0, epoch = 0;
  std::vector<Thread> threads;
  std::vector<std::string> reports;
  size_t faults = 0;
  std::vector<unsigned char> warp_buf;  // warp_all_gather: 32 lanes' contributions per warp
};

constexpr int kWarp = 32;
constexpr size_t kMaxGather = 256;  // bytes one lane contributes to one all-gather

std::mutex g_launch_mu;  // one launch at a time: the shared section is global
Launch* g_launch = nullptr;
thread_local Thread* t_cur = nullptr;
uint32_t g_serial = 0;
uint64_t g_launches = 0;
std::vector<Cell> g_shadow;
size_t g_shared_bytes = 0;
#ifdef QRS_EMU_ASAN
const void* g_sched_bottom = nullptr;  // the scheduler's stack, for ASan's fiber annotations
size_t g_sched_size = 0;
#endif
Error g_last_error = kSuccess;

uint64_t initial_seed() {
  const char* s = std::getenv("QRSWEEP_EMU_SEED");
  return s && *s ? std::strtoull(s, nullptr, 0) : 1;
}
uint64_t g_seed = initial_seed();

Stacks& stacks() {
  static Stacks s;
  return s;
}
const uintptr_t g_stacks_lo = reinterpret_cast<uintptr_t>(stacks().base);

uintptr_t shared_lo() { return reinterpret_cast<uintptr_t>(__start_qrs_emu_shared); }
size_t shared_size() {
  return __start_qrs_emu_shared
             ? static_cast<size_t>(__stop_qrs_emu_shared - __start_qrs_emu_shared)
             : 0;
}

std::string thread_name(const Launch& l, int linear) {
  const unsigned bx = l.block.x, by = l.block.y;
  char buf[48];
  std::snprintf(buf, sizeof buf, "(%u,%u,%u)", linear % bx, (linear / bx) % by, linear / (bx * by));
  return buf;
}

std::string other_name(const Launch& l, int32_t who) {
  return who == kMany ? std::string("several threads") : "thread " + thread_name(l, who);
}

void fault(const std::string& what) {
  Launch& l = *g_launch;
  ++l.faults;
  if (l.reports.size() >= kMaxReports) return;
  char head[160];
  std::snprintf(head, sizeof head, "kernel %s, block (%u,%u,%u), ", l.kernel, l.bidx.x, l.bidx.y,
                l.bidx.z);
  l.reports.push_back(head + what);
}

void fault_at_thread(const Thread& t, const std::string& what) {
  fault("thread " + thread_name(*g_launch, t.linear) + ": " + what);
}

std::string hex(uintptr_t a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIxPTR, a);
  return buf;
}

void shared_access(Thread& t, size_t off, size_t n, bool write) {
  Launch& l = *g_launch;
  const size_t end = std::min((off + n + 3) / 4, g_shadow.size());
  for (size_t w = off / 4; w < end; ++w) {
    Cell& c = g_shadow[w];
    const size_t b = 4 * w;
    if (c.serial != l.serial) {
      c = Cell{l.serial, l.epoch, kNone, kNone, false};
    } else if (c.epoch != l.epoch) {
      c.epoch = l.epoch;
      c.writer = c.reader = kNone;
    }
    const int32_t me = t.linear;
    const char* op = write ? "write" : "read";
    if (write) {
      if (c.writer != kNone && c.writer != me) {
        fault_at_thread(t, std::string("shared-memory race: ") + op + " of shared offset " +
                               std::to_string(b) + " written by " + other_name(l, c.writer) +
                               " since the last barrier");
        return;
      }
      if (c.reader == kMany || (c.reader != kNone && c.reader != me)) {
        fault_at_thread(t, std::string("shared-memory race: ") + op + " of shared offset " +
                               std::to_string(b) + " read by " + other_name(l, c.reader) +
                               " since the last barrier");
        return;
      }
      c.writer = me;
      c.init = true;
    } else {
      if (!c.init) {
        fault_at_thread(t, "uninitialised shared read: shared offset " + std::to_string(b) + " (" +
                               std::to_string(n) +
                               "-byte read) written by no thread of "
                               "this block");
        return;
      }
      if (c.writer != kNone && c.writer != me) {
        fault_at_thread(t, std::string("shared-memory race: ") + op + " of shared offset " +
                               std::to_string(b) + " written by " + other_name(l, c.writer) +
                               " since the last barrier");
        return;
      }
      c.reader = (c.reader == kNone || c.reader == me) ? me : kMany;
    }
  }
}

inline void on_access(uintptr_t a, size_t n, bool write) {
  Thread* t = t_cur;
  if (!t || n == 0) return;
  if (a - g_stacks_lo < kStackBytes * kMaxThreads) return;  // the threads' own local memory
  const uintptr_t off = a - shared_lo();
  if (off < g_shared_bytes) {
    shared_access(*t, off, n, write);
  } else if (in_device_region(a) && !device_addressable(a, n)) {
    fault_at_thread(*t, std::string("global out-of-bounds ") + (write ? "write" : "read") + " of " +
                            std::to_string(n) + " bytes at " + hex(a) + ": " +
                            describe_device_address(a));
  }
}

void switch_to_scheduler(Thread& t) {
#ifdef QRS_EMU_ASAN
  __sanitizer_start_switch_fiber(&t.fake_stack, g_sched_bottom, g_sched_size);
#endif
  t.back = std::move(t.back).resume();
#ifdef QRS_EMU_ASAN
  __sanitizer_finish_switch_fiber(t.fake_stack, &g_sched_bottom, &g_sched_size);
#endif
}

void resume(Thread& t) {
  t_cur = &t;
#ifdef QRS_EMU_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, stacks().bottom(t.linear), kStackBytes);
#endif
  t.self = std::move(t.self).resume();
#ifdef QRS_EMU_ASAN
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  t_cur = nullptr;
}

// Opens every warp-collective operation all of whose warp's lanes arrived (every thread is
// suspended now). A warp with lanes elsewhere (exited, or at __syncthreads) is a divergence:
// reported, then opened anyway. Returns whether any thread can run again.
bool release_warps(Launch& l) {
  bool any = false;
  const int n = static_cast<int>(l.threads.size());
  for (int w = 0; w * kWarp < n; ++w) {
    const int end = std::min(n, (w + 1) * kWarp);
    int at = 0, other = -1;
    const char* what = "";
    for (int i = w * kWarp; i < end; ++i) {
      if (l.threads[i].state == State::kAtWarpSync) {
        ++at;
        what = l.threads[i].bar_file;
      } else if (other < 0) {
        other = i;
      }
    }
    if (at == 0) continue;
    if (other >= 0) {
      fault("warp divergence: " + std::string(what) + " reached by " + std::to_string(at) +
            " lanes of warp " + std::to_string(w) + " while thread " + thread_name(l, other) +
            (l.threads[other].state == State::kDone ? " has exited" : " waits at __syncthreads"));
    }
    for (int i = w * kWarp; i < end; ++i)
      if (l.threads[i].state == State::kAtWarpSync) l.threads[i].state = State::kRunning;
    any = true;
  }
  return any;
}

void warp_sync(const char* what) {
  Thread& t = *t_cur;
  t.state = State::kAtWarpSync;
  t.bar_file = what;
  t.bar_line = 0;
  t_cur = nullptr;
  switch_to_scheduler(t);
}

void run_block(Launch& l, const std::function<void()>& body) {
  l.serial = ++g_serial;
  l.epoch = 0;
  if (shared_size()) std::memset(__start_qrs_emu_shared, 0xA5, shared_size());  // poison
  const int n = static_cast<int>(l.threads.size());
  for (int i = 0; i < n; ++i) {
    Thread& t = l.threads[i];
    t.state = State::kRunning;
    t.self = ctx::fiber(std::allocator_arg, PoolStack{stacks().bottom(i)},
                        [&t, &body](ctx::fiber&& back) {
#ifdef QRS_EMU_ASAN
                          __sanitizer_finish_switch_fiber(nullptr, &g_sched_bottom, &g_sched_size);
#endif
                          t.back = std::move(back);
                          try {
                            body();
                          } catch (const std::exception& e) {
                            fault_at_thread(t, std::string("exception: ") + e.what());
                          }
                          t.state = State::kDone;
#ifdef QRS_EMU_ASAN
                          __sanitizer_start_switch_fiber(nullptr, g_sched_bottom, g_sched_size);
#endif
                          return std::move(t.back);
                        });
  }
  for (;;) {
    for (Thread& t : l.threads)
      if (t.state == State::kRunning) resume(t);
    if (release_warps(l)) continue;
    const Thread* waiting = nullptr;
    const Thread* exited = nullptr;
    const Thread* elsewhere = nullptr;
    for (const Thread& t : l.threads) {
      if (t.state == State::kDone) {
        if (!exited) exited = &t;
      } else if (!waiting) {
        waiting = &t;
      } else if (!elsewhere &&
                 (t.bar_line != waiting->bar_line || std::strcmp(t.bar_file, waiting->bar_file))) {
        elsewhere = &t;
      }
    }
    if (!waiting) break;
    const std::string site =
        std::string(waiting->bar_file) + ":" + std::to_string(waiting->bar_line);
    if (exited) {
      fault("barrier divergence: thread " + thread_name(l, waiting->linear) +
            " waits at __syncthreads " + site + " while thread " + thread_name(l, exited->linear) +
            " has exited");
    } else if (elsewhere) {
      fault("barrier divergence: thread " + thread_name(l, waiting->linear) +
            " waits at __syncthreads " + site + " while thread " +
            thread_name(l, elsewhere->linear) + " waits at " + elsewhere->bar_file + ":" +
            std::to_string(elsewhere->bar_line));
    }
    ++l.epoch;  // the barrier opens (after a divergence too, so the block can finish)
    for (Thread& t : l.threads)
      if (t.state == State::kAtBarrier) t.state = State::kRunning;
  }
}

}  // namespace

const uint3& thread_idx() { return t_cur->idx; }
const uint3& block_idx() { return g_launch->bidx; }
const dim3& block_dim() { return g_launch->block; }
const dim3& grid_dim() { return g_launch->grid; }

void syncthreads(const char* file, int line) {
  Thread& t = *t_cur;
  t.state = State::kAtBarrier;
  t.bar_file = file;
  t.bar_line = line;
  t_cur = nullptr;
  switch_to_scheduler(t);
}

void report(const char* what) {
  if (t_cur) fault_at_thread(*t_cur, what);
}

unsigned lane_id() { return static_cast<unsigned>(t_cur->linear % kWarp); }

void warp_all_gather(const void* mine, size_t bytes, void* all, const char* what) {
  Launch& l = *g_launch;
  if (bytes > kMaxGather) std::abort();
  Thread& t = *t_cur;
  const size_t warp_bytes = kWarp * kMaxGather;
  const size_t base = static_cast<size_t>(t.linear / kWarp) * warp_bytes;
  if (l.warp_buf.size() < base + warp_bytes) l.warp_buf.resize(base + warp_bytes);
  std::memcpy(&l.warp_buf[base + static_cast<size_t>(t.linear % kWarp) * bytes], mine, bytes);
  warp_sync(what);  // every lane has written its part
  std::memcpy(all, &l.warp_buf[base], kWarp * bytes);
  warp_sync(what);  // every lane has read: the buffer may be reused
}

void check_vector_access(const void* p, size_t bytes, const char* type, bool write) {
  Thread* t = t_cur;
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  if (!t || a % bytes == 0) return;
  const uintptr_t off = a - shared_lo();
  const std::string where = off < g_shared_bytes  ? "shared offset " + std::to_string(off)
                            : in_device_region(a) ? describe_device_address(a)
                                                  : "local memory";
  fault_at_thread(*t, std::string("misaligned ") + type + (write ? " store" : " load") + " at " +
                          hex(a) + " (" + where + "): needs " + std::to_string(bytes) +
                          "-byte alignment, address mod " + std::to_string(bytes) + " = " +
                          std::to_string(a % bytes));
}

bool launch_config_ok(dim3 grid, dim3 block, size_t dynamic_shared) {
  const uint64_t threads = uint64_t{block.x} * block.y * block.z;
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535 ||
      threads == 0 || threads > kMaxThreads || block.z > 64) {
    g_last_error = kInvalidConfiguration;
    return false;
  }
  if (dynamic_shared != 0) {  // no kernel declares extern __shared__ storage
    g_last_error = kInvalidValue;
    return false;
  }
  return true;
}

namespace {
LaunchQueue g_queue = nullptr;
}  // namespace

void set_launch_queue(LaunchQueue queue) { g_queue = queue; }

void submit_launch(Stream* stream, const char* kernel, std::function<void()> grid) {
  if (g_queue)
    g_queue(stream, kernel, std::move(grid));
  else
    grid();
}

void run_grid(const char* kernel, dim3 grid, dim3 block, size_t dynamic_shared,
              const std::function<void()>& body) {
  const uint64_t threads = uint64_t{block.x} * block.y * block.z;
  if (!launch_config_ok(grid, block, dynamic_shared)) return;
  std::lock_guard<std::mutex> lock(g_launch_mu);
  if (g_shared_bytes != shared_size()) {
    g_shared_bytes = shared_size();
    g_shadow.assign((g_shared_bytes + 3) / 4, Cell{});
  }
  Launch l;
  l.kernel = kernel;
  l.grid = grid;
  l.block = block;
  l.seed = g_seed ^ (0x9E3779B97F4A7C15ull * ++g_launches);
  l.threads.resize(threads);
  for (int i = 0; i < static_cast<int>(threads); ++i) {
    Thread& t = l.threads[i];
    t.linear = i;
    t.idx = uint3{i % block.x, (i / block.x) % block.y, i / (block.x * block.y)};
  }
  const uint64_t blocks = uint64_t{grid.x} * grid.y * grid.z;
  std::vector<uint64_t> order(blocks);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(l.seed);
  std::shuffle(order.begin(), order.end(), rng);
  g_launch = &l;
  for (uint64_t b : order) {
    l.bidx = uint3{static_cast<unsigned>(b % grid.x), static_cast<unsigned>((b / grid.x) % grid.y),
                   static_cast<unsigned>(b / (uint64_t{grid.x} * grid.y))};
    run_block(l, body);
    if (l.faults) break;  // the first faulty block is enough
  }
  g_launch = nullptr;
  if (l.faults) {
    std::string msg = "emulated launch of " + std::string(kernel) + " failed (" +
                      std::to_string(l.faults) + " fault" + (l.faults > 1 ? "s" : "") +
                      ", block-order seed " + std::to_string(g_seed) + ", launch " +
                      std::to_string(g_launches) + "):";
    for (const std::string& r : l.reports) msg += "\n  " + r;
    throw KernelFault(msg);
  }
}

const char* error_name(Error e) {
  switch (e) {
    case kSuccess:
      return "cudaSuccess";
    case kInvalidValue:
      return "cudaErrorInvalidValue";
    case kMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case kInvalidConfiguration:
      return "cudaErrorInvalidConfiguration";
    case kLaunchOutOfResources:
      return "cudaErrorLaunchOutOfResources";
    case kLaunchFailure:
      return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}
const char* error_string(Error e) {
  switch (e) {
    case kSuccess:
      return "no error";
    case kInvalidValue:
      return "invalid argument";
    case kMemoryAllocation:
      return "out of memory";
    case kInvalidConfiguration:
      return "invalid configuration argument";
    case kLaunchOutOfResources:
      return "too many resources requested for launch";
    case kLaunchFailure:
      return "unspecified launch failure";
  }
  return "unknown error";
}
Error get_last_error() {
  const Error e = g_last_error;
  g_last_error = kSuccess;
  return e;
}
Error peek_last_error() { return g_last_error; }
void set_last_error(Error e) { g_last_error = e; }

void set_block_order_seed(uint64_t seed) { g_seed = seed; }
uint64_t block_order_seed() { return g_seed; }
uint64_t launch_count() { return g_launches; }

}  // namespace emu

// The instrumentation callbacks: clang's AddressSanitizer pass, told to call out for every
// access with the prefix __emu_ (tests/emu/CMakeLists.txt), calls these from the kernel files.
#define QRS_EMU_HOOK(n)                                                       \
  extern "C" void __emu_load##n(uintptr_t a) { emu::on_access(a, n, false); } \
  extern "C" void __emu_store##n(uintptr_t a) { emu::on_access(a, n, true); }
QRS_EMU_HOOK(1)
QRS_EMU_HOOK(2)
QRS_EMU_HOOK(4)
QRS_EMU_HOOK(8)
QRS_EMU_HOOK(16)
#undef QRS_EMU_HOOK
extern "C" void __emu_loadN(uintptr_t a, uintptr_t n) { emu::on_access(a, n, false); }
extern "C" void __emu_storeN(uintptr_t a, uintptr_t n) { emu::on_access(a, n, true); }
extern "C" void* __emu_memcpy(void* d, const void* s, size_t n) {
  emu::on_access(reinterpret_cast<uintptr_t>(s), n, false);
  emu::on_access(reinterpret_cast<uintptr_t>(d), n, true);
  return std::memcpy(d, s, n);
}
extern "C" void* __emu_memmove(void* d, const void* s, size_t n) {
  emu::on_access(reinterpret_cast<uintptr_t>(s), n, false);
  emu::on_access(reinterpret_cast<uintptr_t>(d), n, true);
  return std::memmove(d, s, n);
}
extern "C" void* __emu_memset(void* d, int c, size_t n) {
  emu::on_access(reinterpret_cast<uintptr_t>(d), n, true);
  return std::memset(d, c, n);
}
// The pass's module constructor calls __asan_init, and it calls __asan_handle_no_return before
// a throw; the build renames both to these no-ops, so the emulated kernels link with or
// without the real AddressSanitizer runtime (they poison no stack memory of their own).
extern "C" void qrs_emu_asan_init() {}
extern "C" void qrs_emu_asan_no_return() {}
