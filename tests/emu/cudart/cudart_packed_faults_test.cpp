// The packed scheduler's fault tests (tests/test_packed_faults.cpp) through the real
// CudaExecutor on the emulated device: the faults support/fault_executor.h injects above the
// executor, every op below it through the emulated runtime and the kernels' own source.
// (Faults the runtime itself injects: cudart_faults_test.cpp.)
#include "cuda/cuda_executor.h"

namespace qrsweep {
inline std::shared_ptr<Executor> emulated_cuda_executor() {
  return make_cuda_executor(CudaExecutorOptions{});
}
}  // namespace qrsweep

#define QRSWEEP_TEST_EXECUTOR emulated_cuda_executor
#include "test_packed_faults.cpp"
