// Small kernels for the emulator's own tests (emu_checkers_test.cpp): for each checker a
// broken variant that must make it fire and a clean one that must keep it quiet. Compiled
// exactly as kernels/*.cu are in the emulated build.
#pragma once

namespace emu_test {

enum class Check {
  kBounds,
  kRace,
  kUninit,
  kDivergence,
  kSameBarrierSite,
  kWarpCollective,
  kAlignment
};

// Runs the variant of `check` (broken or clean) over n floats (`in`, `out`: device memory of
// n + 4 floats, n a multiple of 256); throws emu::KernelFault when a checker fires.
void launch_check(Check check, bool broken, const float* in, float* out, int n);

// Every block writes its index to out[0]: the last block to run wins, so the result shows
// the order the emulator ran the blocks in.
void launch_last_block_wins(int* out, int blocks);

}  // namespace emu_test
