// The CUDA backend's startup self-check: before it trains anything, small trials trained on
// it, one session at a time and packed together (grouped products), must agree with the CPU
// backend, so a driver, hardware or build fault is refused with a clear message instead of
// producing a sweep of wrong numbers.
#pragma once

#include "qrsweep/backend.h"

namespace qrsweep {

// Trains three small trials (relu, tanh, sigmoid; dropout, momentum, a partial last batch)
// for one epoch of a fixed synthetic dataset on `backend` and on the CPU backend, and
// compares each epoch's training and validation loss within `rel` (relative). Throws Error
// naming the trial, the path (session or packed), the quantity and both values when they
// disagree. Milliseconds on a GPU; about 50 ms on the host reference executor.
void self_check_against_cpu(Backend& backend, double rel);

// The tolerances make_backend uses for the CUDA backend in FP32 and in TF32.
constexpr double kSelfCheckFp32 = 1e-3;
constexpr double kSelfCheckTf32 = 2e-2;

}  // namespace qrsweep
