// <cuda_runtime.h> of the emulated build (tests/emu/shim is first on its include path): the
// execution model the kernels are written against, and the small runtime surface.
#pragma once
#include "emu_kernel.h"
#include "emu_runtime.h"
