// Launcher of the grouped softmax cross-entropy: loss, argmax hits and (training) the
// gradient on logits for every problem, with per-problem sums reduced on the device.
#pragma once
#include <cuda_runtime.h>

#include "qrsweep/problems.h"

namespace qrsweep {

// One CTA per problem; `problems` [count] in device memory. Writes *loss_sum and *correct of
// every problem through a fixed-order tree (no atomics: the same bits on every run).
void launch_softmax_xent(const XentProblem* problems, int count, cudaStream_t stream);

}  // namespace qrsweep
