// The one way the launchers start a kernel: QRS_LAUNCH(kernel, grid, block, shared bytes,
// stream, args...). Under nvcc it is exactly kernel<<<grid, block, shared, stream>>>(args...);
// in the emulated build (tests/emu, QRSWEEP_EMULATED) the emulator runs the same kernel on
// the CPU with its checkers on.
#pragma once
#include <cuda_runtime.h>

#if defined(QRSWEEP_EMULATED)
#define QRS_LAUNCH(kernel, grid, block, shared, stream, ...) \
  ::emu::launch(#kernel, kernel, grid, block, shared, stream, __VA_ARGS__)
#else
#define QRS_LAUNCH(kernel, grid, block, shared, stream, ...) \
  kernel<<<grid, block, shared, stream>>>(__VA_ARGS__)
#endif
