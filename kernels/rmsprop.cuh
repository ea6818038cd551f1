// Launcher of the fused RMSprop-momentum update over the parameters of many trials.
#pragma once
#include <cuda_runtime.h>

#include "qrsweep/problems.h"

namespace qrsweep {

// `problems` [count] and `chunk_offsets` [count + 1] (prefix sum of rmsprop_chunks()) live in
// device memory; one CTA per chunk of kRmspropChunk parameters; lr and momentum per problem.
void launch_rmsprop(const RmspropProblem* problems, const int* chunk_offsets, int count,
                    int total_chunks, cudaStream_t stream);

}  // namespace qrsweep
