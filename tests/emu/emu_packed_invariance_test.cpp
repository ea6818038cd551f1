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

// Float features (real-valued data): the resident trials' first layers gather floats
// through the kernels' float mode, and train as the reference executor does.
TEST(EmuPacked, FloatFeaturesEqualTheReferenceExecutorBitForBit) {
  auto emulated = make_device_backend(make_emulated_executor(), "emulated");
  auto reference = make_device_backend(make_reference_executor(), "reference");
  DataSplits data = packed_dataset();
  data.train.xf.clear();
  for (uint8_t v : data.train.x) data.train.xf.push_back((static_cast<float>(v) - 120.0f) / 37.0f);
  data.train.x.clear();
  const std::vector<TrialConfig> mix = packed_mix();
  const std::vector<TrialConfig> some(mix.begin(), mix.begin() + 4);
  PackedOptions a, b;
  a.max_resident = b.max_resident = 4;
  const PackedOutcomes got = run_packed_mix(*emulated->packed(), some, data, std::move(a));
  expect_same_outcomes(got, run_packed_mix(*reference->packed(), some, data, std::move(b)),
                       "float features: emulated kernels vs reference executor");
  // Not the bytes' outcomes: the floats were read, not the (emptied) bytes.
  DataSplits bytes = packed_dataset();
  PackedOptions c;
  c.max_resident = 4;
  const PackedOutcomes from_bytes = run_packed_mix(*reference->packed(), some, bytes, std::move(c));
  ASSERT_FALSE(got.empty());
  EXPECT_NE(got.begin()->second.result.history.front().loss,
            from_bytes.begin()->second.result.history.front().loss);
}

}  // namespace
}  // namespace qrsweep::test
