// <mma.h> of the emulated build: the wmma API the TF32 kernel uses (m16n16k8, precision::tf32,
// float accumulators), with the semantics the CUDA programming guide and the PTX ISA give:
// load/store/fill/mma are warp-collective; the mapping of matrix elements to lanes is
// unspecified (here: element e of lane l is element 32 * e + l of the row-major matrix);
// pointers must be 256-bit aligned and leading dimensions a multiple of 16 bytes (checked);
// __float_to_tf32 rounds to nearest, ties away from zero (cvt.rna.tf32.f32), to 10 mantissa
// bits. Tensor cores' summation order and internal precision are unspecified: mma_sync adds
// the products (exact for TF32 inputs) to the accumulator in k order in float; tests compare
// with that order's CPU twin, and with FP32 within TF32's tolerance.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "emu_kernel.h"

namespace nvcuda::wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision {
struct tf32 {};
}  // namespace precision
enum layout_t { mem_row_major, mem_col_major };

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment;

template <typename Layout>
struct fragment<matrix_a, 16, 16, 8, precision::tf32, Layout> {
  static constexpr int kRows = 16, kCols = 8;
  static constexpr bool kColMajor = std::is_same_v<Layout, col_major>;
  static constexpr int num_elements = kRows * kCols / 32;
  float x[num_elements];
};
template <typename Layout>
struct fragment<matrix_b, 16, 16, 8, precision::tf32, Layout> {
  static constexpr int kRows = 8, kCols = 16;
  static constexpr bool kColMajor = std::is_same_v<Layout, col_major>;
  static constexpr int num_elements = kRows * kCols / 32;
  float x[num_elements];
};
template <>
struct fragment<accumulator, 16, 16, 8, float, void> {
  static constexpr int kRows = 16, kCols = 16;
  static constexpr int num_elements = kRows * kCols / 32;
  float x[num_elements];
};

namespace detail {
inline void check_layout(const void* p, unsigned ldm) {
  ::emu::check_vector_access(p, 32, "wmma matrix", false);
  if (ldm % 4 != 0) ::emu::report("wmma leading dimension not a multiple of 16 bytes");
}
}  // namespace detail

template <typename F>
inline void fill_fragment(F& f, float v) {
  for (int e = 0; e < F::num_elements; ++e) f.x[e] = v;
}

// Element e of this lane is row-major element 32 * e + lane of the fragment's matrix.
template <typename F>
inline void load_matrix_sync(F& f, const float* p, unsigned ldm) {
  detail::check_layout(p, ldm);
  const unsigned lane = ::emu::lane_id();
  for (int e = 0; e < F::num_elements; ++e) {
    const int q = 32 * e + static_cast<int>(lane), r = q / F::kCols, c = q % F::kCols;
    f.x[e] =
        F::kColMajor ? p[r + static_cast<size_t>(c) * ldm] : p[static_cast<size_t>(r) * ldm + c];
  }
  float all[32 * F::num_elements];
  ::emu::warp_all_gather(f.x, sizeof f.x, all, "wmma::load_matrix_sync");  // collective
}

inline void store_matrix_sync(float* p, const fragment<accumulator, 16, 16, 8, float>& f,
                              unsigned ldm, layout_t layout) {
  using F = fragment<accumulator, 16, 16, 8, float>;
  detail::check_layout(p, ldm);
  const unsigned lane = ::emu::lane_id();
  for (int e = 0; e < F::num_elements; ++e) {
    const int q = 32 * e + static_cast<int>(lane), r = q / F::kCols, c = q % F::kCols;
    if (layout == mem_row_major)
      p[static_cast<size_t>(r) * ldm + c] = f.x[e];
    else
      p[r + static_cast<size_t>(c) * ldm] = f.x[e];
  }
  float all[32 * F::num_elements];
  ::emu::warp_all_gather(f.x, sizeof f.x, all, "wmma::store_matrix_sync");
}

// cvt.rna.tf32.f32: keep 10 mantissa bits, round to nearest with ties away from zero; the
// 13 low bits of the result are zero. Infinities and NaNs pass through.
inline float __float_to_tf32(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
  std::memcpy(&x, &u, 4);
  return x;
}

// d = a * b + c for the warp: every lane contributes its elements, every lane computes its own
// elements of d from the whole matrices.
template <typename LA, typename LB>
inline void mma_sync(fragment<accumulator, 16, 16, 8, float>& d,
                     const fragment<matrix_a, 16, 16, 8, precision::tf32, LA>& a,
                     const fragment<matrix_b, 16, 16, 8, precision::tf32, LB>& b,
                     const fragment<accumulator, 16, 16, 8, float>& c) {
  float aa[32 * 4], bb[32 * 4], cc[32 * 8];
  ::emu::warp_all_gather(a.x, sizeof a.x, aa, "wmma::mma_sync");
  ::emu::warp_all_gather(b.x, sizeof b.x, bb, "wmma::mma_sync");
  ::emu::warp_all_gather(c.x, sizeof c.x, cc, "wmma::mma_sync");
  // Element q of a matrix sits in lane q % 32, element q / 32: all[lane * n + e].
  auto at = [](const float* all, int n, int q) { return all[(q % 32) * n + q / 32]; };
  const unsigned lane = ::emu::lane_id();
  for (int e = 0; e < 8; ++e) {
    const int q = 32 * e + static_cast<int>(lane), i = q / 16, j = q % 16;
    float acc = at(cc, 8, q);
    for (int k = 0; k < 8; ++k) acc = fmaf(at(aa, 4, i * 8 + k), at(bb, 4, k * 16 + j), acc);
    d.x[e] = acc;
  }
}

}  // namespace nvcuda::wmma
