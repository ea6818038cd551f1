// Device faults in the packed scheduler, on the host reference executor with a fault injected
// at a chosen GEMM launch (support/fault_executor.h): a fault the device survives fails only
// the trials of that round and the sweep goes on; a lost device stops the run, and what
// finished before keeps its result; a refused allocation only makes its trial wait. The GPU
// twin with real CUDA faults: gpu_fault_test.cpp.
#include <gtest/gtest.h>

#include "packed_fault_cases.h"

// The executor the tests run on; tests/emu runs this file again on the emulated kernels.
#ifndef QRSWEEP_TEST_EXECUTOR
#define QRSWEEP_TEST_EXECUTOR make_reference_executor
#endif

namespace qrsweep::test {
namespace {

TEST(PackedFaults, ARoundsFaultFailsItsTrialsAndTheRestTrain) {
  for (int resident : {1, 3}) {
    SCOPED_TRACE("max-resident " + std::to_string(resident));
    const FaultRun r = run_with_fault(QRSWEEP_TEST_EXECUTOR(), Fault::kThrow, resident);
    expect_fault_contained(r, false);
  }
}

TEST(PackedFaults, ALostDeviceStopsTheRunAndKeepsWhatFinished) {
  const FaultRun r = run_with_fault(QRSWEEP_TEST_EXECUTOR(), Fault::kBrokenDevice, 3);
  expect_fault_contained(r, true);
  EXPECT_LT(r.faulty.size(), r.clean.size()) << "trials never admitted stay untouched";
}

TEST(PackedFaults, ARefusedAllocationMakesItsTrialWaitAndFailsNothing) {
  const FaultRun r = run_with_fault(make_reference_executor(), Fault::kRefusedAllocation, 3);
  expect_refusal_harmless(r);
}

}  // namespace
}  // namespace qrsweep::test
