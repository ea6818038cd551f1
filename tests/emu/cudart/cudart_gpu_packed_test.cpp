// The GPU's packed-scheduler tests (tests/gpu_packed_test.cpp) on the emulated device:
// packing invariance, graph replay on and off, a trial too large for the device.
#include "gpu_packed_test.cpp"
