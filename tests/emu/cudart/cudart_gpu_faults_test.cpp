// The GPU's fault tests (tests/gpu_fault_test.cpp) on the emulated device: the refused launch,
// the refused cudaMalloc and the illegal address (a checker's fault, sticky) go through the
// real CudaExecutor and the emulated runtime's error rules.
#define QRSWEEP_EMULATED_DEVICE 1
#include "gpu_fault_test.cpp"
