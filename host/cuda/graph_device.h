// The device half of StepLauncher (device/step_launcher.h) on one CUDA stream: the grouped
// kernels' launches, stream capture of a step's launches into a CUDA Graph, and its replay.
#pragma once
#include <cuda_runtime.h>

#include <functional>
#include <optional>
#include <vector>

#include "cuda/cuda_raii.h"
#include "device/step_launcher.h"
#include "grouped_gemm.cuh"

namespace qrsweep {

enum Op : uint64_t { kGemmOp, kXentOp, kRmspropOp };  // HeldLaunch::op
const char* op_name(uint64_t op);

class CudaGraphDevice final : public LaunchDevice<CudaGraphExec> {
 public:
  // `prepare` runs before anything of a step reaches the device (the staged copies).
  CudaGraphDevice(cudaStream_t stream, GemmMath math, std::function<void()> prepare)
      : stream_(stream), math_(math), prepare_(std::move(prepare)) {}

  void prepare() override { prepare_(); }
  void issue(const HeldLaunch& l) override;
  void replay(const CudaGraphExec& g) override { g.launch(stream_); }
  // A failed capture is reported on stderr and answered with nullopt (launch directly).
  std::optional<CudaGraphExec> capture(const std::vector<HeldLaunch>& launches) override;

 private:
  cudaStream_t stream_;
  GemmMath math_;
  std::function<void()> prepare_;
};

}  // namespace qrsweep
