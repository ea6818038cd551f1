// The packed scheduler's fault tests (tests/test_packed_faults.cpp) with every op through
// the kernels' own source on the emulator.
#include "emulated_executor.h"
#define QRSWEEP_TEST_EXECUTOR make_emulated_executor
#include "test_packed_faults.cpp"
