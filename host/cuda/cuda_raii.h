// RAII owners of CUDA resources (docs/style.md#raii): device and pinned memory, streams,
// events and cuBLAS handles release themselves; failures throw with the call and the line.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>

#include "cuda_check.cuh"

namespace qrsweep {

inline void cublas_check(cublasStatus_t status, const char* expr, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw Error(std::string("cuBLAS error ") + cublasGetStatusName(status) + " (" +
              cublasGetStatusString(status) + ") in " + expr + " at " + file + ":" +
              std::to_string(line));
}
#define CUBLAS_CHECK(expr) ::qrsweep::cublas_check((expr), #expr, __FILE__, __LINE__)

// One owned handle; Traits gives create() and destroy() (destroy must not throw).
template <typename Traits>
class CudaHandle {
 public:
  using Type = typename Traits::Type;
  CudaHandle() : h_(Traits::create()) {}
  ~CudaHandle() {
    if (owns_) Traits::destroy(h_);
  }
  CudaHandle(CudaHandle&& o) noexcept : h_(o.h_), owns_(o.owns_) { o.owns_ = false; }
  CudaHandle& operator=(CudaHandle&& o) noexcept {
    std::swap(h_, o.h_);
    std::swap(owns_, o.owns_);
    return *this;
  }
  CudaHandle(const CudaHandle&) = delete;
  CudaHandle& operator=(const CudaHandle&) = delete;
  Type get() const { return h_; }

 private:
  Type h_;
  bool owns_ = true;
};

struct StreamTraits {
  using Type = cudaStream_t;
  static Type create() {
    cudaStream_t s = nullptr;
    CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    return s;
  }
  static void destroy(Type s) noexcept { cudaStreamDestroy(s); }
};
struct EventTraits {
  using Type = cudaEvent_t;
  static Type create() {
    cudaEvent_t e = nullptr;
    CUDA_CHECK(cudaEventCreate(&e));
    return e;
  }
  static void destroy(Type e) noexcept { cudaEventDestroy(e); }
};
struct CublasTraits {
  using Type = cublasHandle_t;
  static Type create() {
    cublasHandle_t h = nullptr;
    CUBLAS_CHECK(cublasCreate(&h));
    return h;
  }
  static void destroy(Type h) noexcept { cublasDestroy(h); }
};
using CudaStream = CudaHandle<StreamTraits>;
using CudaEvent = CudaHandle<EventTraits>;
using CublasHandle = CudaHandle<CublasTraits>;

// cudaMalloc'd (Pinned = false) or cudaMallocHost'd (Pinned = true) bytes; move-only.
template <bool Pinned>
class CudaMemory {
 public:
  CudaMemory() = default;
  explicit CudaMemory(size_t bytes) : bytes_(bytes) {
    if (bytes == 0) return;
    if (Pinned)
      CUDA_CHECK(cudaMallocHost(&p_, bytes));
    else
      CUDA_CHECK(cudaMalloc(&p_, bytes));
  }
  ~CudaMemory() { reset(); }
  CudaMemory(CudaMemory&& o) noexcept { *this = std::move(o); }
  CudaMemory& operator=(CudaMemory&& o) noexcept {
    if (this != &o) {
      reset();
      std::swap(p_, o.p_);
      std::swap(bytes_, o.bytes_);
    }
    return *this;
  }
  CudaMemory(const CudaMemory&) = delete;
  CudaMemory& operator=(const CudaMemory&) = delete;

  template <typename T = void>
  T* get() const {
    return static_cast<T*>(p_);
  }
  size_t bytes() const { return bytes_; }
  void reset() noexcept {
    if (p_) {
      if (Pinned)
        cudaFreeHost(p_);
      else
        cudaFree(p_);
    }
    p_ = nullptr;
    bytes_ = 0;
  }

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
};
using DeviceMemory = CudaMemory<false>;
using PinnedMemory = CudaMemory<true>;

// A CUDA Graph instantiated from a captured graph (which it does not keep); move-only.
class CudaGraphExec {
 public:
  explicit CudaGraphExec(cudaGraph_t graph) { CUDA_CHECK(cudaGraphInstantiate(&e_, graph, 0)); }
  ~CudaGraphExec() {
    if (e_) cudaGraphExecDestroy(e_);
  }
  CudaGraphExec(CudaGraphExec&& o) noexcept : e_(o.e_) { o.e_ = nullptr; }
  CudaGraphExec& operator=(CudaGraphExec&& o) noexcept {
    std::swap(e_, o.e_);
    return *this;
  }
  CudaGraphExec(const CudaGraphExec&) = delete;
  CudaGraphExec& operator=(const CudaGraphExec&) = delete;
  void launch(cudaStream_t stream) const { CUDA_CHECK(cudaGraphLaunch(e_, stream)); }

 private:
  cudaGraphExec_t e_ = nullptr;
};

}  // namespace qrsweep
