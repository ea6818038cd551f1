// The packed scheduler's invariance tests (tests/test_packed_invariance.cpp) run again with
// every op through the kernels' own source on the emulator, plus: the emulated kernels train
// the whole mix to the reference executor's histories bit for bit.
#include "emulated_executor.h"
#define QRSWEEP_TEST_EXECUTOR make_emulated_executor
#include "test_packed_invariance.cpp"

namespace qrsweep::test {
namespace {

TEST(EmuPacked, EqualsTheReferenceExecutorBitForBit) {
  auto emulated = make_device_backend(make_emulated_executor(), "emulated");
  auto reference = make_device_backend(make_reference_executor(), "reference");
  const DataSplits data = packed_dataset();
  const std::vector<TrialConfig> mix = packed_mix();
  PackedOptions a, b;
  a.max_resident = b.max_resident = 12;
  expect_same_outcomes(run_packed_mix(*emulated->packed(), mix, data, std::move(a)),
                       run_packed_mix(*reference->packed(), mix, data, std::move(b)),
                       "emulated kernels vs reference executor");
}

}  // namespace
}  // namespace qrsweep::test
