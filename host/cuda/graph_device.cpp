// CudaGraphDevice (see graph_device.h).
#include "cuda/graph_device.h"

#include <cstdio>
#include <string>

#include "rmsprop.cuh"
#include "softmax_xent.cuh"

namespace qrsweep {

const char* op_name(uint64_t op) {
  switch (op) {
    case kGemmOp:
      return "grouped GEMM";
    case kXentOp:
      return "softmax cross-entropy";
    default:
      return "RMSprop";
  }
}

void CudaGraphDevice::issue(const HeldLaunch& l) {
  switch (l.op) {
    case kGemmOp:
      launch_grouped_gemm(static_cast<const GemmProblem*>(l.problems), l.offsets, l.count, l.total,
                          math_, stream_);
      break;
    case kXentOp:
      launch_softmax_xent(static_cast<const XentProblem*>(l.problems), l.count, stream_);
      break;
    default:
      launch_rmsprop(static_cast<const RmspropProblem*>(l.problems), l.offsets, l.count, l.total,
                     stream_);
      break;
  }
}

std::optional<CudaGraphExec> CudaGraphDevice::capture(const std::vector<HeldLaunch>& launches) {
  cudaError_t e = cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal);
  cudaGraph_t graph = nullptr;
  if (e == cudaSuccess) {
    try {
      for (const HeldLaunch& l : launches) issue(l);
    } catch (...) {  // a launcher refused: end the capture, report the launcher's error
      if (cudaStreamEndCapture(stream_, &graph) == cudaSuccess && graph) cudaGraphDestroy(graph);
      cudaGetLastError();
      throw;
    }
    e = cudaStreamEndCapture(stream_, &graph);
  }
  std::string why;
  if (e == cudaSuccess) {
    try {
      CudaGraphExec exec(graph);
      cudaGraphDestroy(graph);
      return exec;
    } catch (const Error& err) {
      why = err.what();
    }
  } else {
    why = std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
  }
  if (graph) cudaGraphDestroy(graph);
  cudaGetLastError();  // capture errors are not sticky; clear the last-error slot
  std::fprintf(stderr, "qrsweep: CUDA Graph capture failed (%s); launching ops directly\n",
               why.c_str());
  return std::nullopt;
}

}  // namespace qrsweep
