// Grouped dense GEMM (CUTLASS grouped-GEMM style): one CTA per 64x64 output tile of any
// problem, found through a prefix sum of tile counts; operands read through the problem's
// modes (uint8 and float gathers, transposes, the ones row that yields db), epilogue fused.
#include <mma.h>

#include <cstdint>

#include "cuda_check.cuh"
#include "grouped_gemm.cuh"
#include "launch.cuh"

namespace qrsweep {
namespace {

constexpr int kBM = kGemmTileM;
constexpr int kBN = kGemmTileN;
constexpr int kBK = 16;
constexpr int kThreads = 256;
constexpr int kLdA = kBM + 4;  // shared rows padded by one float4: fewer bank conflicts,
constexpr int kLdB = kBN + 4;  // rows stay 16-byte aligned (and 32-byte every 8 rows: wmma)
static_assert(kBM == 64 && kBN == 64 && kBK == 16 && kThreads == 256,
              "the load and micro-tile maps below assume 64x64x16 tiles and 256 threads");

using TileA = float[kBK][kLdA];  // A tile stored k-major: As[kk][i]
using TileB = float[kBK][kLdB];  // B tile: Bs[kk][j]

__device__ __forceinline__ bool aligned(const void* p, uintptr_t bytes) {
  return (reinterpret_cast<uintptr_t>(p) & (bytes - 1)) == 0;
}

__device__ __forceinline__ void set4(float (&v)[4], float4 x) {
  v[0] = x.x;
  v[1] = x.y;
  v[2] = x.z;
  v[3] = x.w;
}

__device__ __forceinline__ void set4_u8(float (&v)[4], uchar4 x) {
  v[0] = static_cast<float>(x.x) / 255.0f;  // the same expression as gemm_a: bit-identical
  v[1] = static_cast<float>(x.y) / 255.0f;
  v[2] = static_cast<float>(x.z) / 255.0f;
  v[3] = static_cast<float>(x.w) / 255.0f;
}

// Whether 4-wide loads are legal for this problem's A (B): leading dimension a multiple of 4
// and a base aligned to the vector (16 bytes for float4, 4 for uchar4).
__device__ __forceinline__ bool a_vectorizable(const GemmProblem& p) {
  if (p.lda % 4 != 0) return false;
  return (p.a_mode == kARowU8 || p.a_mode == kAColU8) ? aligned(p.a_u8, 4) : aligned(p.a, 16);
}
__device__ __forceinline__ bool b_vectorizable(const GemmProblem& p) {
  return p.ldb % 4 == 0 && aligned(p.b, 16);
}

__device__ __forceinline__ bool a_k_contiguous(int mode) {
  return mode == kARow || mode == kARowU8 || mode == kARowF32;
}

// Each thread loads 4 elements of the 64x16 A tile: 4 consecutive k of one row (row modes)
// or 4 consecutive rows of one k (column modes), so a warp reads contiguous memory.
__device__ __forceinline__ void load_a(const GemmProblem& p, bool vec, int m0, int k0,
                                       float (&v)[4]) {
  const int t = threadIdx.x;
  if (a_k_contiguous(p.a_mode)) {
    const int i = m0 + (t >> 2), kk = k0 + (t & 3) * 4;
    if (vec && i < p.m && kk + 3 < p.k) {
      if (p.a_mode == kARow) {
        set4(v, *reinterpret_cast<const float4*>(p.a + static_cast<size_t>(i) * p.lda + kk));
      } else if (p.a_mode == kARowF32) {
        size_t r = p.a_rows ? p.a_rows[i] : static_cast<uint32_t>(i);
        set4(v, *reinterpret_cast<const float4*>(p.a + r * p.lda + kk));
      } else {
        size_t r = p.a_rows ? p.a_rows[i] : static_cast<uint32_t>(i);
        set4_u8(v, *reinterpret_cast<const uchar4*>(p.a_u8 + r * p.lda + kk));
      }
      return;
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) v[q] = (i < p.m && kk + q < p.k) ? gemm_a(p, i, kk + q) : 0.0f;
  } else {
    const int kk = k0 + (t >> 4), i = m0 + (t & 15) * 4;
    const bool ones_inside = p.a_ones_row >= i && p.a_ones_row <= i + 3;
    if (vec && kk < p.k && i + 3 < p.m && !ones_inside) {
      if (p.a_mode == kACol) {
        set4(v, *reinterpret_cast<const float4*>(p.a + static_cast<size_t>(kk) * p.lda + i));
      } else if (p.a_mode == kAColF32) {
        size_t r = p.a_rows ? p.a_rows[kk] : static_cast<uint32_t>(kk);
        set4(v, *reinterpret_cast<const float4*>(p.a + r * p.lda + i));
      } else {
        size_t r = p.a_rows ? p.a_rows[kk] : static_cast<uint32_t>(kk);
        set4_u8(v, *reinterpret_cast<const uchar4*>(p.a_u8 + r * p.lda + i));
      }
      return;
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) v[q] = (i + q < p.m && kk < p.k) ? gemm_a(p, i + q, kk) : 0.0f;
  }
}

__device__ __forceinline__ void store_a(int mode, const float (&v)[4], TileA& as) {
  const int t = threadIdx.x;
  if (a_k_contiguous(mode)) {
    const int i = t >> 2, kq = (t & 3) * 4;
#pragma unroll
    for (int q = 0; q < 4; ++q) as[kq + q][i] = v[q];
  } else {
    const int kk = t >> 4, iq = (t & 15) * 4;
#pragma unroll
    for (int q = 0; q < 4; ++q) as[kk][iq + q] = v[q];
  }
}

// Each thread loads 4 elements of the 16x64 B tile: 4 consecutive j of one k (kBRow) or
// 4 consecutive k of one j (kBCol).
__device__ __forceinline__ void load_b(const GemmProblem& p, bool vec, int n0, int k0,
                                       float (&v)[4]) {
  const int t = threadIdx.x;
  if (p.b_mode == kBRow) {
    const int kk = k0 + (t >> 4), j = n0 + (t & 15) * 4;
    if (vec && kk < p.k && j + 3 < p.n) {
      set4(v, *reinterpret_cast<const float4*>(p.b + static_cast<size_t>(kk) * p.ldb + j));
      return;
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) v[q] = (kk < p.k && j + q < p.n) ? gemm_b(p, kk, j + q) : 0.0f;
  } else {
    const int j = n0 + (t >> 2), kk = k0 + (t & 3) * 4;
    if (vec && j < p.n && kk + 3 < p.k) {
      set4(v, *reinterpret_cast<const float4*>(p.b + static_cast<size_t>(j) * p.ldb + kk));
      return;
    }
#pragma unroll
    for (int q = 0; q < 4; ++q) v[q] = (j < p.n && kk + q < p.k) ? gemm_b(p, kk + q, j) : 0.0f;
  }
}

__device__ __forceinline__ void store_b(int mode, const float (&v)[4], TileB& bs) {
  const int t = threadIdx.x;
  if (mode == kBRow) {
    const int kk = t >> 4, jq = (t & 15) * 4;
#pragma unroll
    for (int q = 0; q < 4; ++q) bs[kk][jq + q] = v[q];
  } else {
    const int j = t >> 2, kq = (t & 3) * 4;
#pragma unroll
    for (int q = 0; q < 4; ++q) bs[kq + q][j] = v[q];
  }
}

// The CTA's problem (copied to shared memory) and tile origin.
struct TileOrigin {
  int m0, n0;
};

__device__ __forceinline__ TileOrigin locate_tile(const GemmProblem* problems,
                                                  const int* tile_offsets, int count,
                                                  GemmProblem& sp) {
  const int tile = static_cast<int>(blockIdx.x);
  const int pid = find_problem(tile_offsets, count, tile);
  if (threadIdx.x == 0) sp = problems[pid];
  __syncthreads();
  const int local = tile - tile_offsets[pid];
  const int tiles_n = (sp.n + kBN - 1) / kBN;
  return TileOrigin{(local / tiles_n) * kBM, (local % tiles_n) * kBN};
}

// FP32 SIMT: 16x16 threads, each a 4x4 micro-tile; A and B double-buffered in shared memory
// with the next K-tile prefetched into registers. Every output is one fmaf chain over k in
// order 0..k-1, so results do not depend on the tile, the grouping or the launch.
static __global__ void __launch_bounds__(kThreads)
    gemm_fp32_kernel(const GemmProblem* __restrict__ problems, const int* __restrict__ tile_offsets,
                     int count) {
  __shared__ GemmProblem sp;
  __shared__ __align__(16) float as[2][kBK][kLdA];
  __shared__ __align__(16) float bs[2][kBK][kLdB];
  const TileOrigin o = locate_tile(problems, tile_offsets, count, sp);
  const GemmProblem& p = sp;
  const bool vec_a = a_vectorizable(p), vec_b = b_vectorizable(p);
  const int ty = threadIdx.x >> 4, tx = threadIdx.x & 15;

  float acc[4][4];
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int c = 0; c < 4; ++c) acc[r][c] = 0.0f;

  float ra[4], rb[4];
  const int k_tiles = (p.k + kBK - 1) / kBK;
  load_a(p, vec_a, o.m0, 0, ra);
  load_b(p, vec_b, o.n0, 0, rb);
  store_a(p.a_mode, ra, as[0]);
  store_b(p.b_mode, rb, bs[0]);
  __syncthreads();
  for (int kt = 0; kt < k_tiles; ++kt) {
    const int buf = kt & 1;
    const bool more = kt + 1 < k_tiles;
    if (more) {
      load_a(p, vec_a, o.m0, (kt + 1) * kBK, ra);
      load_b(p, vec_b, o.n0, (kt + 1) * kBK, rb);
    }
#pragma unroll
    for (int kk = 0; kk < kBK; ++kk) {
      const float4 a4 = *reinterpret_cast<const float4*>(&as[buf][kk][ty * 4]);
      const float4 b4 = *reinterpret_cast<const float4*>(&bs[buf][kk][tx * 4]);
      const float a[4] = {a4.x, a4.y, a4.z, a4.w};
      const float b[4] = {b4.x, b4.y, b4.z, b4.w};
#pragma unroll
      for (int r = 0; r < 4; ++r)
#pragma unroll
        for (int c = 0; c < 4; ++c) acc[r][c] = fmaf(a[r], b[c], acc[r][c]);
    }
    // The other buffer was last read in iteration kt - 1, before its closing barrier.
    if (more) {
      store_a(p.a_mode, ra, as[buf ^ 1]);
      store_b(p.b_mode, rb, bs[buf ^ 1]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int r = 0; r < 4; ++r) {
    const int i = o.m0 + ty * 4 + r;
    if (i >= p.m) continue;
#pragma unroll
    for (int c = 0; c < 4; ++c) {
      const int j = o.n0 + tx * 4 + c;
      if (j < p.n) gemm_epilogue(p, i, j, acc[r][c]);
    }
  }
}

// TF32 tensor cores (wmma m16n16k8): the same tiles and loads; 8 warps, each a 16x32 slab
// of the 64x64 tile; the accumulators go through shared memory to the same epilogue.
union __align__(128) Tf32Smem {
  struct {
    float a[2][kBK][kLdA];
    float b[2][kBK][kLdB];
  } in;
  float c[kBM][kLdB];
};

static __global__ void __launch_bounds__(kThreads)
    gemm_tf32_kernel(const GemmProblem* __restrict__ problems, const int* __restrict__ tile_offsets,
                     int count) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  __trap();  // TF32 needs sm_80+; the launcher's caller checks the device first
#else
  namespace wmma = nvcuda::wmma;
  __shared__ GemmProblem sp;
  __shared__ Tf32Smem smem;
  const TileOrigin o = locate_tile(problems, tile_offsets, count, sp);
  const GemmProblem& p = sp;
  const bool vec_a = a_vectorizable(p), vec_b = b_vectorizable(p);
  const int warp = threadIdx.x >> 5, wm = warp >> 1, wn = warp & 1;

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> fc[2];
  wmma::fill_fragment(fc[0], 0.0f);
  wmma::fill_fragment(fc[1], 0.0f);

  float ra[4], rb[4];
  const int k_tiles = (p.k + kBK - 1) / kBK;
  load_a(p, vec_a, o.m0, 0, ra);
  load_b(p, vec_b, o.n0, 0, rb);
  store_a(p.a_mode, ra, smem.in.a[0]);
  store_b(p.b_mode, rb, smem.in.b[0]);
  __syncthreads();
  for (int kt = 0; kt < k_tiles; ++kt) {
    const int buf = kt & 1;
    const bool more = kt + 1 < k_tiles;
    if (more) {
      load_a(p, vec_a, o.m0, (kt + 1) * kBK, ra);
      load_b(p, vec_b, o.n0, (kt + 1) * kBK, rb);
    }
#pragma unroll
    for (int ks = 0; ks < kBK; ks += 8) {
      // A(i, kk) sits at a[kk][i]: column-major with leading dimension kLdA.
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fa;
      wmma::load_matrix_sync(fa, &smem.in.a[buf][ks][wm * 16], kLdA);
#pragma unroll
      for (int t = 0; t < fa.num_elements; ++t) fa.x[t] = wmma::__float_to_tf32(fa.x[t]);
#pragma unroll
      for (int f = 0; f < 2; ++f) {
        wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb;
        wmma::load_matrix_sync(fb, &smem.in.b[buf][ks][wn * 32 + f * 16], kLdB);
#pragma unroll
        for (int t = 0; t < fb.num_elements; ++t) fb.x[t] = wmma::__float_to_tf32(fb.x[t]);
        wmma::mma_sync(fc[f], fa, fb, fc[f]);
      }
    }
    if (more) {
      store_a(p.a_mode, ra, smem.in.a[buf ^ 1]);
      store_b(p.b_mode, rb, smem.in.b[buf ^ 1]);
    }
    __syncthreads();  // also orders the last reads of smem.in before smem.c overwrites it
  }

#pragma unroll
  for (int f = 0; f < 2; ++f) {
    wmma::store_matrix_sync(&smem.c[wm * 16][wn * 32 + f * 16], fc[f], kLdB, wmma::mem_row_major);
  }
  __syncthreads();
  for (int e = threadIdx.x; e < kBM * kBN; e += kThreads) {
    const int r = e / kBN, c = e % kBN;
    const int i = o.m0 + r, j = o.n0 + c;
    if (i < p.m && j < p.n) gemm_epilogue(p, i, j, smem.c[r][c]);
  }
#endif
}

}  // namespace

void launch_grouped_gemm(const GemmProblem* problems, const int* tile_offsets, int count,
                         int total_tiles, GemmMath math, cudaStream_t stream) {
  LAUNCH_REQUIRE(problems != nullptr);
  LAUNCH_REQUIRE(tile_offsets != nullptr);
  LAUNCH_REQUIRE(count >= 1);
  LAUNCH_REQUIRE(total_tiles >= count);  // every problem has at least one tile
  const dim3 grid(static_cast<unsigned>(total_tiles)), block(kThreads);
  if (math == GemmMath::kTf32) {
    QRS_LAUNCH(gemm_tf32_kernel, grid, block, 0, stream, problems, tile_offsets, count);
  } else {
    QRS_LAUNCH(gemm_fp32_kernel, grid, block, 0, stream, problems, tile_offsets, count);
  }
  CUDA_CHECK(cudaGetLastError());
}

#if !defined(QRSWEEP_EMULATED)  // a question for the CUDA driver
cudaError_t grouped_gemm_probe() {
  cudaFuncAttributes attr;
  return cudaFuncGetAttributes(&attr, gemm_fp32_kernel);
}
#endif

}  // namespace qrsweep
