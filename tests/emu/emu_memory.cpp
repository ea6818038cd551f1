// The emulated device memory of emu_memory.h: a reserved region, bump-allocated, with a
// shadow byte per byte (1 = inside a live allocation).
#include "emu_memory.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>

namespace emu {
namespace {

constexpr size_t kRegion = size_t{2} << 30;  // address space only: pages appear when touched
constexpr size_t kAlign = 256;
constexpr size_t kRedZone = 256;

struct Region {
  unsigned char* base = nullptr;
  unsigned char* shadow = nullptr;
  size_t next = kRedZone;
  std::map<uintptr_t, size_t> live;  // start -> size
  std::mutex mu;

  Region() {
    const int prot = PROT_READ | PROT_WRITE, flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void* b = mmap(nullptr, kRegion, prot, flags, -1, 0);
    void* s = mmap(nullptr, kRegion, prot, flags, -1, 0);
    if (b == MAP_FAILED || s == MAP_FAILED) {
      std::fprintf(stderr, "emu: cannot reserve the emulated device memory\n");
      return;
    }
    base = static_cast<unsigned char*>(b);
    shadow = static_cast<unsigned char*>(s);
  }
};

Region& region() {
  static Region r;
  return r;
}
// The region's base, read on every access the kernels make: a plain global, set once.
const uintptr_t g_base = reinterpret_cast<uintptr_t>(region().base);

}  // namespace

void* device_malloc(size_t bytes) {
  Region& r = region();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!r.base) return nullptr;
  const size_t start = (r.next + kAlign - 1) / kAlign * kAlign;
  if (start + bytes + kRedZone > kRegion) return nullptr;
  r.next = start + bytes + kRedZone;
  std::memset(r.shadow + start, 1, bytes);
  std::memset(r.base + start, 0xA5, bytes);  // garbage, as fresh cudaMalloc memory may hold
  r.live[reinterpret_cast<uintptr_t>(r.base + start)] = bytes;
  return r.base + start;
}

void device_free(void* p) {
  if (!p) return;
  Region& r = region();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.live.find(reinterpret_cast<uintptr_t>(p));
  if (it == r.live.end()) {
    std::fprintf(stderr, "emu: device_free of %p, not an allocation\n", p);
    std::abort();
  }
  const size_t off = it->first - reinterpret_cast<uintptr_t>(r.base);
  std::memset(r.shadow + off, 0, it->second);
  r.live.erase(it);
  if (r.live.empty()) {  // nothing live: start over and hand the touched pages back
    madvise(r.base, r.next, MADV_DONTNEED);
    madvise(r.shadow, r.next, MADV_DONTNEED);
    r.next = kRedZone;
  }
}

bool in_device_region(uintptr_t p) { return g_base && p - g_base < kRegion; }

bool device_addressable(uintptr_t p, size_t bytes) {
  const size_t off = p - g_base;
  if (off + bytes > kRegion) return false;
  const unsigned char* s = region().shadow + off;
  if (bytes <= kRedZone) return s[0] && s[bytes - 1];  // a gap is a red zone or wider
  for (size_t i = 0; i < bytes; ++i)
    if (!s[i]) return false;
  return true;
}

std::string describe_device_address(uintptr_t p) {
  Region& r = region();
  std::lock_guard<std::mutex> lock(r.mu);
  char buf[160];
  auto it = r.live.upper_bound(p);
  if (it != r.live.begin()) {
    auto prev = std::prev(it);
    if (p >= prev->first + prev->second) {
      std::snprintf(buf, sizeof buf, "%zu bytes past the end of the %zu-byte allocation at 0x%zx",
                    static_cast<size_t>(p - (prev->first + prev->second)), prev->second,
                    static_cast<size_t>(prev->first));
      if (it == r.live.end() || p - (prev->first + prev->second) <= it->first - p) return buf;
    } else {
      std::snprintf(buf, sizeof buf, "offset %zu of the %zu-byte allocation at 0x%zx",
                    static_cast<size_t>(p - prev->first), prev->second,
                    static_cast<size_t>(prev->first));
      return buf;
    }
  }
  if (it != r.live.end()) {
    std::snprintf(buf, sizeof buf, "%zu bytes before the %zu-byte allocation at 0x%zx",
                  static_cast<size_t>(it->first - p), it->second, static_cast<size_t>(it->first));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "no live allocation near 0x%zx", static_cast<size_t>(p));
  return buf;
}

}  // namespace emu
