// Picks a backend by name: "cpu", "cuda", or "auto" (the GPU when one is usable).
#include <memory>

#include "backends/self_check.h"
#include "cpu/cpu_backend.h"
#include "qrsweep/backend.h"
#include "qrsweep/common.h"
#ifdef QRSWEEP_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

namespace qrsweep {

bool cuda_available(std::string* why) {
#ifdef QRSWEEP_HAVE_CUDA
  return cuda_device_usable(why);
#else
  if (why) *why = "this qrsweep was built without CUDA (nvcc was not found at configure time)";
  return false;
#endif
}

void check_backend_options(const std::string& kind, bool tf32, const CudaModes& cuda) {
  if (kind != "cpu" && kind != "cuda" && kind != "auto")
    throw ConfigError("--backend: unknown backend '" + kind + "' (expected cpu, cuda or auto)");
  if (tf32 && kind == "cpu")
    throw ConfigError(
        "--tf32: TF32 is a GPU mode; --backend cpu computes in FP32 (use "
        "--backend cuda or auto)");
  const std::string modes = cuda_mode_arguments(cuda);
  if (!modes.empty() && kind == "cpu")
    throw ConfigError("--backend cpu:" + modes +
                      ": these choose how the CUDA backend runs; the CPU backend has no such "
                      "modes (use --backend cuda or auto)");
}

std::string cuda_mode_arguments(const CudaModes& m) {
  std::string s;
  if (m.cublas) s += " --cuda-gemm cublas";
  if (m.sync_each_op) s += " --cuda-sync";
  if (!m.graphs) s += " --no-cuda-graphs";
  return s;
}

std::string resolve_backend(const std::string& kind, bool tf32, const CudaModes& cuda) {
  check_backend_options(kind, tf32, cuda);
  if (kind == "auto") return cuda_available() ? "cuda" : "cpu";
  return kind;
}

std::unique_ptr<Backend> make_backend(const std::string& kind, const BackendOptions& opt) {
  if (kind == "cpu") {
    check_backend_options(kind, opt.tf32, opt.cuda);
    return make_cpu_backend(opt);
  }
  if (kind == "cuda" || kind == "auto") {
    std::string why;
    if (cuda_available(&why)) {
#ifdef QRSWEEP_HAVE_CUDA
      // Checked against the CPU before it trains anything (backends/self_check.h); TF32 is
      // about three decimal digits, FP32 as close as rounding leaves it.
      std::unique_ptr<Backend> gpu = make_cuda_backend(opt);
      self_check_against_cpu(*gpu, opt.tf32 ? kSelfCheckTf32 : kSelfCheckFp32);
      return gpu;
#endif
    }
    if (kind == "cuda") throw Error("--backend cuda: no usable GPU: " + why);
    return make_cpu_backend(opt);
  }
  throw ConfigError("--backend: unknown backend '" + kind + "' (expected cpu, cuda or auto)");
}

}  // namespace qrsweep
