// The kernels' launchers as host/cuda calls them (real CUDA headers: cudaStream_t is
// CUstream_st*) forwarding to the same launchers compiled for the kernel emulator, whose
// stream type is emu::Stream* (tests/emu/shim): one overload per launcher, the stream passed
// through as the emulated runtime's own (emu_cudart.cpp queues the launch on it).
#include <cuda_runtime_api.h>

#include "gemm_stages.cuh"
#include "grouped_gemm.cuh"
#include "rmsprop.cuh"
#include "softmax_xent.cuh"

namespace emu {
struct Stream;
}  // namespace emu

namespace qrsweep {

// The emulated build's launchers (kernels/*.cu compiled by tests/emu/CMakeLists.txt).
void launch_grouped_gemm(const GemmProblem* problems, const int* tile_offsets, int count,
                         int total_tiles, GemmMath math, emu::Stream* stream);
void launch_softmax_xent(const XentProblem* problems, int count, emu::Stream* stream);
void launch_rmsprop(const RmspropProblem* problems, const int* chunk_offsets, int count,
                    int total_chunks, emu::Stream* stream);
void launch_materialize_a(const GemmStage* stages, const int* chunk_offsets, int count,
                          int total_chunks, emu::Stream* stream);
void launch_gemm_epilogue(const GemmStage* stages, const int* chunk_offsets, int count,
                          int total_chunks, emu::Stream* stream);

namespace {
emu::Stream* emulated(cudaStream_t s) { return reinterpret_cast<emu::Stream*>(s); }
}  // namespace

void launch_grouped_gemm(const GemmProblem* problems, const int* tile_offsets, int count,
                         int total_tiles, GemmMath math, cudaStream_t stream) {
  launch_grouped_gemm(problems, tile_offsets, count, total_tiles, math, emulated(stream));
}
void launch_softmax_xent(const XentProblem* problems, int count, cudaStream_t stream) {
  launch_softmax_xent(problems, count, emulated(stream));
}
void launch_rmsprop(const RmspropProblem* problems, const int* chunk_offsets, int count,
                    int total_chunks, cudaStream_t stream) {
  launch_rmsprop(problems, chunk_offsets, count, total_chunks, emulated(stream));
}
void launch_materialize_a(const GemmStage* stages, const int* chunk_offsets, int count,
                          int total_chunks, cudaStream_t stream) {
  launch_materialize_a(stages, chunk_offsets, count, total_chunks, emulated(stream));
}
void launch_gemm_epilogue(const GemmStage* stages, const int* chunk_offsets, int count,
                          int total_chunks, cudaStream_t stream) {
  launch_gemm_epilogue(stages, chunk_offsets, count, total_chunks, emulated(stream));
}

// The emulator runs every kernel this build has.
cudaError_t grouped_gemm_probe() { return cudaSuccess; }

}  // namespace qrsweep
