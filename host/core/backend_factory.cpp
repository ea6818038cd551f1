// Picks a backend by name: "cpu", "cuda", or "auto" (the GPU when one is usable).
#include <memory>

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

std::unique_ptr<Backend> make_backend(const std::string& kind, const BackendOptions& opt) {
  if (kind == "cpu") return make_cpu_backend(opt);
  if (kind == "cuda" || kind == "auto") {
    std::string why;
    if (cuda_available(&why)) {
#ifdef QRSWEEP_HAVE_CUDA
      return make_cuda_backend(opt);
#endif
    }
    if (kind == "cuda") throw Error("--backend cuda: no usable GPU: " + why);
    return make_cpu_backend(opt);
  }
  throw ConfigError("--backend: unknown backend '" + kind + "' (expected cpu, cuda or auto)");
}

}  // namespace qrsweep
