// An Executor whose ops run the kernels' own launchers (kernels/*.cuh) on the emulator:
// executor memory is emulated device memory (emu_memory.h), the ops are the FP32 grouped
// GEMM, the softmax cross-entropy and the RMSprop kernels with every checker on. Beside
// ReferenceExecutor it lets the backend's and the packed scheduler's tests run through the
// kernel source.
#pragma once
#include <memory>

#include "device/executor.h"

namespace qrsweep {

std::shared_ptr<Executor> make_emulated_executor();

}  // namespace qrsweep
