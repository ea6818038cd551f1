// CublasGemmPath (see cublas_path.h).
#include "cuda/cublas_path.h"

#include <algorithm>

#include "cuda/cublas_grouped.h"
#include "device/executor.h"
#include "gemm_stages.cuh"

namespace qrsweep {
namespace {

size_t align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

}  // namespace

CublasGemmPath::CublasGemmPath(cudaStream_t stream, GemmMath math) : stream_(stream) {
  CUBLAS_CHECK(cublasSetStream(handle_.get(), stream));
  CUBLAS_CHECK(cublasSetMathMode(
      handle_.get(), math == GemmMath::kTf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
}

float* CublasGemmPath::scratch(size_t bytes) {
  if (bytes > scratch_.bytes()) {
    CUDA_CHECK(cudaStreamSynchronize(stream_));  // earlier ops may still read it
    scratch_ = DeviceMemory(std::max(bytes, 2 * scratch_.bytes()));
  }
  return scratch_.get<float>();
}

void CublasGemmPath::run(const std::vector<GemmProblem>& ps, StagingRing& ring) {
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
        static_cast<const GemmStage*>(ring.stage(mat.data(), mat.size() * sizeof(GemmStage)));
    auto* d_off = static_cast<const int*>(ring.stage(off.data(), off.size() * sizeof(int)));
    ring.flush(stream_);
    launch_materialize_a(d_st, d_off, static_cast<int>(mat.size()), off.back(), stream_);
  }
  CublasGroupedCall call = make_cublas_grouped_call(ps, &a_override);
  auto* d_a =
      static_cast<const float* const*>(ring.stage(call.a.data(), call.a.size() * sizeof(float*)));
  auto* d_b =
      static_cast<const float* const*>(ring.stage(call.b.data(), call.b.size() * sizeof(float*)));
  auto* d_c = static_cast<float* const*>(ring.stage(call.c.data(), call.c.size() * sizeof(float*)));
  ring.flush(stream_);
  run_cublas_grouped(handle_.get(), call, d_a, d_b, d_c);
  if (!epi.empty()) {
    auto off = prefix_offsets(epi_chunks);
    auto* d_st =
        static_cast<const GemmStage*>(ring.stage(epi.data(), epi.size() * sizeof(GemmStage)));
    auto* d_off = static_cast<const int*>(ring.stage(off.data(), off.size() * sizeof(int)));
    ring.flush(stream_);
    launch_gemm_epilogue(d_st, d_off, static_cast<int>(epi.size()), off.back(), stream_);
  }
}

}  // namespace qrsweep
