// CUDA's execution model for kernel sources compiled by the host compiler (the emulated
// build, QRSWEEP_EMULATED): the qualifiers, the built-in index variables, __shared__ storage,
// __syncthreads, the vector types and the launch. The kernels' own files compile unchanged;
// the emulator (emulator.cpp) runs every CUDA thread of a block as a fiber and checks each
// memory access the kernel makes (see docs/cuda.md, "The kernel emulator").
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <tuple>
#include <utility>

#include "emu_runtime.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))
// Every __shared__ variable of every kernel lives in one linker section; the emulator treats
// that section as the running block's shared memory (blocks run one at a time), poisons it at
// block start and tracks, per byte, which threads touched it since the last barrier.
#define __shared__ __attribute__((section("qrs_emu_shared"))) static
#define __syncthreads() ::emu::syncthreads(__FILE__, __LINE__)

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
};

namespace emu {

// The running CUDA thread's built-in variables (valid inside a kernel only).
const uint3& thread_idx();
const uint3& block_idx();
const dim3& block_dim();
const dim3& grid_dim();
void syncthreads(const char* file, int line);
// Warp-collective operations (the emulated wmma, shim/mma.h): the calling thread's lane, and
// an all-gather that returns once every lane of the warp has contributed `bytes` (at most
// 256): `all` receives the 32 contributions in lane order. `what` names the operation.
unsigned lane_id();
// Reports a fault of the calling thread (kernel, block, thread and `what`).
void report(const char* what);
void warp_all_gather(const void* mine, size_t bytes, void* all, const char* what);
// A vector access of `bytes` at `p`: reports it when p is not aligned to `bytes`.
void check_vector_access(const void* p, size_t bytes, const char* type, bool write);

// Copies a vector's bytes without letting the compiler assume the alignment its type
// promises (a misaligned float4 is reported, then read bytewise, not a host fault).
inline void copy_unaligned(void* dst, const void* src, size_t n) {
  const unsigned char* s = static_cast<const unsigned char*>(src);
  unsigned char* d = static_cast<unsigned char*>(dst);
  __asm__("" : "+r"(s), "+r"(d));
  std::memcpy(d, s, n);
}

}  // namespace emu

// A CUDA vector type: the natural alignment of its size; every copy from or to memory checks
// the address (a float4 load from a float array is one 16-byte access on the GPU).
#define QRS_EMU_VEC4(name, T, align)                               \
  struct alignas(align) name {                                     \
    T x, y, z, w;                                                  \
    name() = default;                                              \
    name(const name& o) {                                          \
      ::emu::check_vector_access(&o, sizeof(name), #name, false);  \
      ::emu::copy_unaligned(this, &o, sizeof(name));               \
    }                                                              \
    name& operator=(const name& o) {                               \
      ::emu::check_vector_access(&o, sizeof(name), #name, false);  \
      ::emu::check_vector_access(this, sizeof(name), #name, true); \
      ::emu::copy_unaligned(this, &o, sizeof(name));               \
      return *this;                                                \
    }                                                              \
  };                                                               \
  inline name make_##name(T a, T b, T c, T d) {                    \
    name v;                                                        \
    v.x = a;                                                       \
    v.y = b;                                                       \
    v.z = c;                                                       \
    v.w = d;                                                       \
    return v;                                                      \
  }
QRS_EMU_VEC4(float4, float, 16)
QRS_EMU_VEC4(uchar4, unsigned char, 4)
QRS_EMU_VEC4(uint4, unsigned, 16)
QRS_EMU_VEC4(int4, int, 16)
#undef QRS_EMU_VEC4

#define threadIdx (::emu::thread_idx())
#define blockIdx (::emu::block_idx())
#define blockDim (::emu::block_dim())
#define gridDim (::emu::grid_dim())

namespace emu {

// Runs body() once per CUDA thread of every block of the grid (see emulator.cpp). Errors in
// the launch configuration set the sticky error cudaGetLastError reports, as CUDA does; what
// the checkers find throws emu::KernelFault once the grid has run.
void run_grid(const char* kernel, dim3 grid, dim3 block, size_t dynamic_shared,
              const std::function<void()>& body);
// The launch configuration check run_grid starts with: false (and the last error set) when
// the launch would be refused.
bool launch_config_ok(dim3 grid, dim3 block, size_t dynamic_shared);

// The emulated build's kernel launch (kernels/launch.cuh): arguments convert to the
// kernel's parameter types on the launching side and are passed by value, as by <<<>>>.
// A refused configuration sets the last error at once; the grid runs when the launch queue
// (emu_runtime.h) runs it: at once without one, in stream order with the emulated runtime.
template <typename... P, typename... A>
void launch(const char* name, void (*kernel)(P...), dim3 grid, dim3 block, size_t shared,
            cudaStream_t stream, A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A), "wrong number of kernel arguments");
  if (!launch_config_ok(grid, block, shared)) return;
  auto params = std::make_shared<std::tuple<std::decay_t<P>...>>(std::forward<A>(args)...);
  submit_launch(stream, name,
                [=] { run_grid(name, grid, block, shared, [&] { std::apply(kernel, *params); }); });
}

}  // namespace emu
