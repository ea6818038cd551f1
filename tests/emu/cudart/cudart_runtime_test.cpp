// The emulated device's runtime semantics (emu_cudart.cpp), each the way a missing
// synchronisation, a capture mistake or an error rule would show on a GPU: queued work runs
// only at synchronisation points; pageable and pinned async copies as CUDA documents them;
// capture refuses unsafe calls and replays what it recorded; out of memory is not sticky, an
// illegal address is; events order streams whatever the shuffle seed.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "emu_device.h"

namespace {

struct DeviceBuffer {
  float* p = nullptr;
  explicit DeviceBuffer(size_t n) {
    EXPECT_EQ(cudaMalloc(reinterpret_cast<void**>(&p), n * 4), cudaSuccess);
  }
  ~DeviceBuffer() { cudaFree(p); }
};
struct PinnedBuffer {
  float* p = nullptr;
  explicit PinnedBuffer(size_t n) {
    EXPECT_EQ(cudaMallocHost(reinterpret_cast<void**>(&p), n * 4), cudaSuccess);
  }
  ~PinnedBuffer() { cudaFreeHost(p); }
};

class EmuRuntime : public ::testing::Test {
 protected:
  void SetUp() override { emu_device::reset_errors(); }
  void TearDown() override {
    emu_device::reset_errors();
    emu_device::set_memory_bytes(size_t{1} << 30);
  }
  cudaStream_t make_stream() {
    cudaStream_t s = nullptr;
    EXPECT_EQ(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
    return s;
  }
};

TEST_F(EmuRuntime, APinnedReadBackWithoutASyncSeesStaleBytes) {
  cudaStream_t s = make_stream();
  DeviceBuffer dev(4);
  PinnedBuffer in(4), out(4);
  for (int i = 0; i < 4; ++i) in.p[i] = 1.0f + i, out.p[i] = -1.0f;
  ASSERT_EQ(cudaMemcpyAsync(dev.p, in.p, 16, cudaMemcpyHostToDevice, s), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(out.p, dev.p, 16, cudaMemcpyDeviceToHost, s), cudaSuccess);
  EXPECT_EQ(out.p[0], -1.0f);  // nothing has run: the host reads what was there
  ASSERT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out.p[i], 1.0f + i);
  cudaStreamDestroy(s);
}

// CUDA says an async copy between the device and pageable memory "might be synchronous":
// code may rely on neither, so here it is not: the host bytes are read and written when the
// copy runs, pageable as pinned. A capture records only pinned copies.
TEST_F(EmuRuntime, PageableAsyncCopiesAreNotSynchronous) {
  cudaStream_t s = make_stream();
  DeviceBuffer a(1);
  float pageable = 1.0f;
  ASSERT_EQ(cudaMemcpyAsync(a.p, &pageable, 4, cudaMemcpyHostToDevice, s), cudaSuccess);
  pageable = 2.0f;  // reused before the copy ran
  float back = 0;
  ASSERT_EQ(cudaMemcpyAsync(&back, a.p, 4, cudaMemcpyDeviceToHost, s), cudaSuccess);
  EXPECT_EQ(back, 0.0f);  // not yet copied
  ASSERT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  EXPECT_EQ(back, 2.0f);
  ASSERT_EQ(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), cudaSuccess);
  EXPECT_EQ(cudaMemcpyAsync(a.p, &pageable, 4, cudaMemcpyHostToDevice, s),
            cudaErrorStreamCaptureUnsupported);
  cudaGraph_t g = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
  cudaGetLastError();
  cudaStreamDestroy(s);
}

TEST_F(EmuRuntime, CaptureRefusesUnsafeCallsAndReplaysWhatItRecorded) {
  cudaStream_t s = make_stream();
  DeviceBuffer dev(2);
  PinnedBuffer src(2), out(2);
  src.p[0] = 3.0f;
  src.p[1] = 4.0f;
  ASSERT_EQ(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), cudaSuccess);
  void* p = nullptr;
  EXPECT_EQ(cudaMalloc(&p, 64), cudaErrorStreamCaptureUnsupported);
  cudaGraph_t g = nullptr;
  EXPECT_EQ(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
  EXPECT_EQ(g, nullptr);
  EXPECT_EQ(cudaGetLastError(), cudaErrorStreamCaptureInvalidated);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);  // not sticky

  ASSERT_EQ(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(s), cudaErrorStreamCaptureUnsupported);
  EXPECT_EQ(cudaStreamEndCapture(s, &g), cudaErrorStreamCaptureInvalidated);
  cudaGetLastError();

  // A recorded copy reads its (pinned) source when each replay runs, not at capture.
  ASSERT_EQ(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(dev.p, src.p, 8, cudaMemcpyHostToDevice, s), cudaSuccess);
  ASSERT_EQ(cudaStreamEndCapture(s, &g), cudaSuccess);
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, g, 0), cudaSuccess);
  cudaGraphDestroy(g);
  EXPECT_EQ(cudaMemcpy(out.p, dev.p, 8, cudaMemcpyDeviceToHost), cudaSuccess);
  EXPECT_NE(out.p[0], 3.0f);  // capture ran nothing
  src.p[0] = 5.0f;
  ASSERT_EQ(cudaGraphLaunch(exec, s), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(s), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(out.p, dev.p, 8, cudaMemcpyDeviceToHost), cudaSuccess);
  EXPECT_EQ(out.p[0], 5.0f);
  EXPECT_EQ(out.p[1], 4.0f);
  cudaGraphExecDestroy(exec);
  cudaStreamDestroy(s);
}

TEST_F(EmuRuntime, OutOfMemoryIsNotStickyAndMemGetInfoSeesTheConfiguredSize) {
  emu_device::set_memory_bytes(1 << 20);
  size_t free_bytes = 0, total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_bytes, &total), cudaSuccess);
  EXPECT_EQ(total, size_t{1} << 20);
  void* big = nullptr;
  EXPECT_EQ(cudaMalloc(&big, 2 << 20), cudaErrorMemoryAllocation);
  EXPECT_EQ(cudaGetLastError(), cudaErrorMemoryAllocation);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
  void* small = nullptr;
  ASSERT_EQ(cudaMalloc(&small, 1000), cudaSuccess);
  ASSERT_EQ(cudaMemGetInfo(&free_bytes, &total), cudaSuccess);
  EXPECT_EQ(free_bytes, total - 1000);
  EXPECT_EQ(cudaFree(small), cudaSuccess);
  emu_device::inject(emu_device::Fault::kRefusedAllocation, 2);
  void* one = nullptr;
  void* two = nullptr;
  EXPECT_EQ(cudaMalloc(&one, 10), cudaSuccess);
  EXPECT_EQ(cudaMalloc(&two, 10), cudaErrorMemoryAllocation);
  EXPECT_EQ(cudaFree(one), cudaSuccess);
}

TEST_F(EmuRuntime, EventsOrderStreamsWhateverTheSeed) {
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    emu_device::set_stream_seed(seed);
    cudaStream_t a = make_stream(), b = make_stream();
    cudaEvent_t copied;
    ASSERT_EQ(cudaEventCreate(&copied), cudaSuccess);
    DeviceBuffer x(1), y(1);
    PinnedBuffer in(1), out(1);
    in.p[0] = static_cast<float>(seed);
    ASSERT_EQ(cudaMemsetAsync(y.p, 0, 4, b), cudaSuccess);
    ASSERT_EQ(cudaMemcpyAsync(x.p, in.p, 4, cudaMemcpyHostToDevice, a), cudaSuccess);
    ASSERT_EQ(cudaEventRecord(copied, a), cudaSuccess);
    ASSERT_EQ(cudaStreamWaitEvent(b, copied, 0), cudaSuccess);
    ASSERT_EQ(cudaMemcpyAsync(y.p, x.p, 4, cudaMemcpyDeviceToDevice, b), cudaSuccess);
    ASSERT_EQ(cudaMemcpyAsync(out.p, y.p, 4, cudaMemcpyDeviceToHost, b), cudaSuccess);
    ASSERT_EQ(cudaStreamSynchronize(b), cudaSuccess);
    EXPECT_EQ(out.p[0], static_cast<float>(seed)) << "seed " << seed;
    cudaEventDestroy(copied);
    cudaStreamDestroy(a);
    cudaStreamDestroy(b);
  }
  emu_device::set_stream_seed(1);
}

}  // namespace
