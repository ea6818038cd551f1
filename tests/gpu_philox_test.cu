// The project's Philox streams on the device: equal to the host implementation, to the Random123
// known answers, and word for word to cuRAND's curand_init + curand4
// (docs/semantics.md#determinism).
#include <curand_kernel.h>
#include <gtest/gtest.h>

#include <vector>

#include "cuda/cuda_raii.h"
#include "gpu_support.h"
#include "philox_stream.cuh"
#include "qrsweep/philox.h"

namespace qrsweep::test {
namespace {

// cuRAND's view of the same stream: key = seed, counter = (block, trial, purpose) through
// subsequence = trial | purpose << 32 and offset = 4 * block.
__global__ void curand_blocks_kernel(uint64_t seed, uint32_t trial, uint32_t purpose,
                                     uint64_t first_block, int blocks, uint4* out) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= blocks) return;
  curandStatePhilox4_32_10_t s;
  const unsigned long long subsequence =
      static_cast<unsigned long long>(trial) | (static_cast<unsigned long long>(purpose) << 32);
  curand_init(seed, subsequence, 4ull * (first_block + b), &s);
  out[b] = curand4(&s);
}

struct StreamCase {
  uint64_t seed;
  uint32_t trial, purpose;
  uint64_t first_block;
};

std::vector<uint32_t> device_words(const StreamCase& c, int blocks, bool use_curand) {
  DeviceMemory d(static_cast<size_t>(blocks) * 16);
  CUDA_CHECK(cudaMemset(d.get(), 0xFF, d.bytes()));
  if (use_curand) {
    curand_blocks_kernel<<<(blocks + 127) / 128, 128>>>(c.seed, c.trial, c.purpose, c.first_block,
                                                        blocks, d.get<uint4>());
    CUDA_CHECK(cudaGetLastError());
  } else {
    launch_philox_blocks(c.seed, c.trial, c.purpose, c.first_block, blocks, d.get<uint32_t>(),
                         nullptr);
  }
  CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<uint32_t> h(static_cast<size_t>(blocks) * 4);
  CUDA_CHECK(cudaMemcpy(h.data(), d.get(), d.bytes(), cudaMemcpyDeviceToHost));
  return h;
}

const StreamCase kCases[] = {
    {0, 0, 0, 0},
    {20240601, 7, purpose_word(Purpose::kDropout, 2), (uint64_t(123) << 32) | 5},  // step 123
    {0xFFFFFFFF00000001ull, 0xFFFFFFFFu, purpose_word(Purpose::kInit, 4), 0xFFFFFFF0ull},
    {0x0123456789ABCDEFull, 299, purpose_word(Purpose::kPermute, 99), (uint64_t(1) << 40) - 3},
};

TEST(GpuPhilox, DeviceStreamEqualsHostStream) {
  QRS_REQUIRE_GPU();
  for (const StreamCase& c : kCases) {
    const int blocks = 4099;
    const std::vector<uint32_t> got = device_words(c, blocks, false);
    const PhiloxStream s{c.seed, c.trial, c.purpose};
    for (int b = 0; b < blocks; ++b) {
      const Philox4 want = s.block(c.first_block + b);
      for (int q = 0; q < 4; ++q)
        ASSERT_EQ(got[4 * b + q], want.v[q]) << "block " << b << " word " << q;
    }
  }
}

TEST(GpuPhilox, DeviceStreamEqualsCurandWordForWord) {
  QRS_REQUIRE_GPU();
  for (const StreamCase& c : kCases) {
    const int blocks = 4099;
    const std::vector<uint32_t> ours = device_words(c, blocks, false);
    const std::vector<uint32_t> theirs = device_words(c, blocks, true);
    for (size_t i = 0; i < ours.size(); ++i)
      ASSERT_EQ(ours[i], theirs[i]) << "word " << i << " (seed " << c.seed << ")";
  }
}

TEST(GpuPhilox, KnownAnswersOnTheDevice) {
  QRS_REQUIRE_GPU();
  // Random123 kat_vectors: counter (block lo, block hi, trial, purpose), key = seed.
  struct Kat {
    StreamCase c;
    uint32_t out[4];
  } kats[] = {
      {{0, 0, 0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{~0ull, ~0u, ~0u, ~0ull}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x299f31d0a4093822ull, 0x13198a2e, 0x03707344, 0x85a308d3243f6a88ull},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    const std::vector<uint32_t> got = device_words(k.c, 1, false);
    for (int q = 0; q < 4; ++q) EXPECT_EQ(got[q], k.out[q]) << "word " << q;
  }
}

}  // namespace
}  // namespace qrsweep::test
