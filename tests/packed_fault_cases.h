// The packed scheduler's fault cases, shared by the host test (tests/test_packed_faults.cpp)
// and its GPU twin (tests/gpu_fault_test.cpp): the test mix runs once clean, counting GEMM
// launches until its first trial finishes, then again with a fault injected at the next GEMM
// launch (support/fault_executor.h). Whatever the fault, every trial that finished before it
// keeps its clean history, the trials resident at the fault fail with the reason, and no
// trial is reported twice; where the device survives, the rest train as if nothing happened.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "device/device_backend.h"
#include "gpu_packed_cases.h"
#include "support/fault_executor.h"

namespace qrsweep::test {

struct FaultRun {
  PackedOutcomes clean, faulty;
  std::vector<int> finished_before;  // trials the clean run finished before the fault
  std::string thrown;                // what the faulty run threw ("" when it returned)
  int max_resident = 0;
  bool fired = false;
};

inline FaultRun run_with_fault(const std::shared_ptr<Executor>& inner, Fault fault,
                               int max_resident) {
  const DataSplits d = packed_dataset();
  const std::vector<TrialConfig> mix = packed_mix();
  FaultRun run;
  run.max_resident = max_resident;
  PackedOptions opt;
  opt.max_resident = max_resident;

  auto counting = std::make_shared<FaultExecutor>(inner, Fault::kNone, 0);
  int64_t first_finish = -1;  // GEMM launches when the first trial was reported finished
  {
    auto backend = make_device_backend(counting, "counting");
    opt.on_finish = [&](const TrialConfig& c, const TrialResult&, const std::string& e) {
      if (first_finish < 0 && e.empty()) first_finish = counting->gemm_launches();
      if (first_finish == counting->gemm_launches()) run.finished_before.push_back(c.index);
    };
    run.clean = run_packed_mix(*backend->packed(), mix, d, opt);
  }
  EXPECT_GT(first_finish, 0);

  // The fault hits the first GEMM launch after that report: the next round's.
  auto faulty = std::make_shared<FaultExecutor>(inner, fault, first_finish + 1);
  {
    auto backend = make_device_backend(faulty, "faulty");
    PackedOptions fopt;
    fopt.max_resident = max_resident;
    collect_outcomes(fopt, run.faulty);  // kept when the run throws
    try {
      backend->packed()->run(mix, d.fit(), d.val(), fopt);
    } catch (const Error& e) {
      run.thrown = e.what();
    }
  }
  run.fired = faulty->fired();
  return run;
}

// Checks the outcome of run_with_fault; `device_lost`: the faulty run must have thrown.
inline void expect_fault_contained(const FaultRun& r, bool device_lost) {
  ASSERT_TRUE(r.fired) << "the fault was never injected";
  ASSERT_EQ(r.clean.size(), 12u);
  for (const auto& [i, o] : r.clean) ASSERT_EQ(o.error, "") << "clean run, trial " << i;
  if (device_lost) {
    EXPECT_NE(r.thrown.find("the device stopped working"), std::string::npos) << r.thrown;
  } else {
    EXPECT_EQ(r.thrown, "");
    EXPECT_EQ(r.faulty.size(), r.clean.size()) << "every trial ends once the device survives";
  }
  int failed = 0, ok = 0;
  for (const auto& [i, o] : r.faulty) {
    EXPECT_EQ(o.finishes, 1) << "trial " << i;
    if (!o.error.empty()) {
      ++failed;
      EXPECT_NE(o.error.find("device error during a packed round"), std::string::npos)
          << "trial " << i << ": " << o.error;
      continue;
    }
    ++ok;
    expect_same_history(r.clean.at(i).result, o.result,
                        "beside the fault, trial " + std::to_string(i));
  }
  EXPECT_GE(failed, 1);
  EXPECT_LE(failed, r.max_resident) << "only the trials resident at the fault may fail";
  ASSERT_FALSE(r.finished_before.empty());
  for (int i : r.finished_before) {
    ASSERT_EQ(r.faulty.count(i), 1u) << "trial " << i << " finished before the fault";
    EXPECT_EQ(r.faulty.at(i).error, "") << "trial " << i;
  }
  EXPECT_GE(ok, static_cast<int>(r.finished_before.size()));
}

// Checks the outcome of run_with_fault for Fault::kRefusedAllocation: a refused allocation
// with trials resident makes the refused trial wait, and nothing else. No trial fails, the
// rounds after the refusal run (no error of the allocator is left for a later launch to
// report), and every trial's history equals the clean run's bit for bit.
inline void expect_refusal_harmless(const FaultRun& r) {
  ASSERT_TRUE(r.fired) << "the allocation was never refused";
  ASSERT_EQ(r.clean.size(), 12u);
  EXPECT_EQ(r.thrown, "");
  ASSERT_EQ(r.faulty.size(), r.clean.size()) << "every trial ends";
  for (const auto& [i, o] : r.faulty) {
    EXPECT_EQ(o.finishes, 1) << "trial " << i;
    EXPECT_EQ(o.error, "") << "trial " << i;
    expect_same_history(r.clean.at(i).result, o.result,
                        "after a refused allocation, trial " + std::to_string(i));
  }
}

}  // namespace qrsweep::test
