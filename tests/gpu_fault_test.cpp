// Device faults in the packed scheduler on a real GPU (tests/packed_fault_cases.h): a launch
// the CUDA executor refuses fails only the trials of its round, with graphs on and off; a
// refused cudaMalloc fails nothing; an illegal address (a sticky error: the CUDA context is
// lost) stops the run and keeps what finished before. The illegal address poisons this process's
// context, so it runs last here (ctest runs every test in a process of its own). Skips, visibly,
// without a GPU.
#include <gtest/gtest.h>

#include "cuda/cuda_executor.h"
#include "gpu_support.h"
#include "packed_fault_cases.h"

namespace qrsweep::test {
namespace {

std::shared_ptr<Executor> gpu_executor(bool graphs) {
  CudaExecutorOptions o;
  o.graphs = graphs;
  return make_cuda_executor(o);
}

TEST(GpuFaults, ARefusedLaunchFailsItsRoundAndTheRestTrain) {
  QRS_REQUIRE_GPU();
  for (bool graphs : {true, false}) {
    SCOPED_TRACE(graphs ? "graphs on" : "graphs off");
    const FaultRun r = run_with_fault(gpu_executor(graphs), Fault::kRefusedLaunch, 3);
    expect_fault_contained(r, false);
  }
}

// cudaMalloc refused (more than the device has): its error must not reach the next round's
// launch check, which would fail every resident trial.
TEST(GpuFaults, ARefusedCudaMallocFailsNothingAndTheNextRoundsRun) {
  QRS_REQUIRE_GPU();
  for (bool graphs : {true, false}) {
    SCOPED_TRACE(graphs ? "graphs on" : "graphs off");
    const FaultRun r = run_with_fault(gpu_executor(graphs), Fault::kRefusedAllocation, 3);
    expect_refusal_harmless(r);
  }
}

// Not on the emulated device (tests/emu/cudart), whose checkers watch only its own memory:
// there the stray pointer is a host fault; cudart_faults_test injects the illegal address.
#ifndef QRSWEEP_EMULATED_DEVICE
TEST(GpuFaults, AnIllegalAddressStopsTheRunAndKeepsWhatFinished) {
  QRS_REQUIRE_GPU();
  const FaultRun r = run_with_fault(gpu_executor(true), Fault::kBadPointer, 3);
  expect_fault_contained(r, true);
}
#endif

}  // namespace
}  // namespace qrsweep::test
