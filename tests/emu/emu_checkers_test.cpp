// The emulator's checkers: each fires on a kernel with the defect it exists for, naming the
// kernel, block, thread(s) and address, and stays quiet on the same kernel without it. Also:
// the block order follows the seed, and launch-configuration errors reach cudaGetLastError.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "emu_memory.h"
#include "emulator.h"
#include "kernels/checker_kernels.h"
#include "qrsweep/common.h"

namespace emu_test {
namespace {

constexpr int kN = 1024;

class Checkers : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = static_cast<float*>(emu::device_malloc((kN + 4) * sizeof(float)));
    out_ = static_cast<float*>(emu::device_malloc((kN + 4) * sizeof(float)));
    ASSERT_NE(in_, nullptr);
    ASSERT_NE(out_, nullptr);
    for (int i = 0; i < kN + 4; ++i) in_[i] = static_cast<float>(i);
  }
  void TearDown() override {
    emu::device_free(in_);
    emu::device_free(out_);
  }
  // The checker's report for the broken variant ("" when none fired).
  std::string fault_of(Check c, bool broken) {
    try {
      launch_check(c, broken, in_, out_, kN);
    } catch (const emu::KernelFault& e) {
      return e.what();
    }
    return "";
  }
  void expect_fires(Check c, const std::vector<std::string>& parts) {
    EXPECT_EQ(fault_of(c, false), "") << "the clean variant";
    const std::string report = fault_of(c, true);
    ASSERT_NE(report, "") << "the broken variant passed unnoticed";
    for (const std::string& p : parts)
      EXPECT_NE(report.find(p), std::string::npos) << p << "\n" << report;
  }
  float* in_ = nullptr;
  float* out_ = nullptr;
};

TEST_F(Checkers, GlobalOutOfBounds) {
  expect_fires(Check::kBounds, {"kernel bounds_kernel", "block (4,0,0)", "thread (4,0,0)",
                                "global out-of-bounds read of 4 bytes",
                                "0 bytes past the end of the 4112-byte allocation"});
}

TEST_F(Checkers, SharedMemoryRace) {
  expect_fires(Check::kRace,
               {"kernel race_kernel", "shared-memory race: read of shared offset", "thread (1,0,0)",
                "written by thread (0,0,0) since the last barrier"});
}

TEST_F(Checkers, UninitialisedSharedRead) {
  expect_fires(Check::kUninit, {"kernel uninit_kernel", "thread (0,0,0)",
                                "uninitialised shared read", "written by no thread"});
}

TEST_F(Checkers, BarrierAfterExit) {
  expect_fires(Check::kDivergence, {"kernel divergence_kernel", "barrier divergence",
                                    "checker_kernels.cu", "thread (224,0,0) has exited"});
}

TEST_F(Checkers, DifferentBarriers) {
  expect_fires(Check::kSameBarrierSite, {"kernel barrier_site_kernel", "barrier divergence",
                                         "while thread (1,0,0) waits at"});
}

TEST_F(Checkers, WarpCollectiveWithLanesGone) {
  expect_fires(Check::kWarpCollective,
               {"kernel warp_collective_kernel", "warp divergence: wmma::load_matrix_sync",
                "reached by 16 lanes of warp 0", "thread (16,0,0) has exited"});
}

TEST_F(Checkers, MisalignedVectorAccess) {
  expect_fires(Check::kAlignment,
               {"kernel alignment_kernel", "thread (0,0,0)", "misaligned float4 load",
                "needs 16-byte alignment", "offset 4 of the 4112-byte allocation"});
}

TEST(BlockOrder, FollowsTheSeed) {
  int* out = static_cast<int*>(emu::device_malloc(sizeof(int)));
  const uint64_t saved = emu::block_order_seed();
  std::set<int> last;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    emu::set_block_order_seed(seed);
    launch_last_block_wins(out, 64);
    last.insert(*out);
  }
  emu::set_block_order_seed(saved);
  emu::device_free(out);
  EXPECT_GT(last.size(), 1u) << "every seed ran the blocks in the same order";
}

TEST(LaunchConfiguration, BadConfigurationIsTheLaunchError) {
  int* out = static_cast<int*>(emu::device_malloc(sizeof(int)));
  try {
    launch_last_block_wins(out, 0);  // an empty grid
    ADD_FAILURE() << "no error";
  } catch (const qrsweep::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cudaErrorInvalidConfiguration"), std::string::npos)
        << e.what();
  }
  emu::device_free(out);
}

}  // namespace
}  // namespace emu_test
