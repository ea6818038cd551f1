// Faults injected by the emulated runtime itself (emu_device::inject), below CudaExecutor:
// the launch after the first trial finished is refused (not sticky) or its kernel hits an
// illegal address (sticky: the context is lost, every later call fails). The packed
// scheduler must contain either as on a GPU (tests/packed_fault_cases.h's checks).
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "cuda/cuda_executor.h"
#include "emu_device.h"
#include "packed_fault_cases.h"

namespace qrsweep::test {
namespace {

FaultRun run_with_runtime_fault(emu_device::Fault fault, bool graphs) {
  emu_device::reset_errors();
  const DataSplits d = packed_dataset();
  const std::vector<TrialConfig> mix = packed_mix();
  CudaExecutorOptions o;
  o.graphs = graphs;
  FaultRun run;
  run.max_resident = 3;
  PackedOptions opt;
  opt.max_resident = 3;
  int64_t first_finish = -1;  // what the device had counted when the first trial finished
  auto counted = [&] {
    const emu_device::Counts c = emu_device::counts();
    return fault == emu_device::Fault::kIllegalAddress ? c.kernels_run : c.launches;
  };
  {
    auto backend = make_device_backend(make_cuda_executor(o), "clean");
    opt.on_finish = [&](const TrialConfig& c, const TrialResult&, const std::string& e) {
      if (first_finish < 0 && e.empty()) first_finish = counted();
      if (first_finish == counted()) run.finished_before.push_back(c.index);
    };
    run.clean = run_packed_mix(*backend->packed(), mix, d, opt);
  }
  EXPECT_GT(first_finish, 0);
  emu_device::reset_errors();  // counts from zero again
  emu_device::inject(fault, first_finish + 1);
  auto backend = make_device_backend(make_cuda_executor(o), "faulty");
  PackedOptions fopt;
  fopt.max_resident = 3;
  collect_outcomes(fopt, run.faulty);
  try {
    backend->packed()->run(mix, d.fit(), d.val(), fopt);
  } catch (const Error& e) {
    run.thrown = e.what();
  }
  run.fired = counted() > first_finish;
  return run;
}

TEST(EmuFaults, ARefusedLaunchFailsItsRoundAndTheRestTrain) {
  // Graphs on: the refused launch is a step's replay (cudaGraphLaunch refuses it).
  expect_fault_contained(run_with_runtime_fault(emu_device::Fault::kRefusedLaunch, true), false);
  emu_device::reset_errors();
}

TEST(EmuFaults, AnIllegalAddressIsStickyStopsTheRunAndKeepsWhatFinished) {
  expect_fault_contained(run_with_runtime_fault(emu_device::Fault::kIllegalAddress, true), true);
  void* p = nullptr;
  EXPECT_EQ(cudaMalloc(&p, 16), cudaErrorIllegalAddress) << "a lost context stays lost";
  EXPECT_EQ(cudaGetLastError(), cudaErrorIllegalAddress);
  EXPECT_EQ(cudaGetLastError(), cudaErrorIllegalAddress) << "sticky: not cleared by reading";
  emu_device::reset_errors();
}

}  // namespace
}  // namespace qrsweep::test
