// The emulator's interface for tests: what a failed emulated launch throws, and the seed
// that shuffles the order in which a grid's blocks run.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace emu {

// A checker found a fault in a launch (out-of-bounds access, shared-memory race,
// uninitialised shared read, barrier divergence, misaligned vector access). what() names
// the kernel, block, thread(s) and address of each (the first few) and the block-order seed.
struct KernelFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Block order of launch n is a permutation drawn from (seed, n). The seed starts as
// QRSWEEP_EMU_SEED from the environment (default 1).
void set_block_order_seed(uint64_t seed);
uint64_t block_order_seed();

// Launches run so far in this process (each a fresh shuffle).
uint64_t launch_count();

}  // namespace emu
