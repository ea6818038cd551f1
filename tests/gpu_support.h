// Helpers of the GPU tests (header-only: tests/gpu_*.cpp are each a test binary): the
// visible skip without a GPU, deterministic non-zero inputs, executor round trips, and the
// atol + rtol*|ref| / normalized-MSE / isfinite comparison (docs/style.md#gpu-tolerances).
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "cuda/cuda_backend.h"
#include "device/executor.h"
#include "qrsweep/philox.h"

namespace qrsweep::test {

// First statement of every test that needs a GPU: skips, with the reason, where none is usable.
#define QRS_REQUIRE_GPU()                                                                         \
  do {                                                                                            \
    std::string qrs_why_;                                                                         \
    if (!::qrsweep::cuda_device_usable(&qrs_why_)) GTEST_SKIP() << "no usable GPU: " << qrs_why_; \
  } while (0)

// Uniform floats in [lo, hi) from a Philox stream (never an all-zero buffer for lo < hi).
inline std::vector<float> random_floats(size_t n, float lo, float hi, uint32_t seed) {
  PhiloxStream s{0x5eedull + seed, seed, 0x7E57u};
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = lo + (hi - lo) * uniform01(s.word(i));
  return v;
}

// Small integers in [-r, r], with no zeros: fp32 products and sums of these are exact.
inline std::vector<float> random_small_ints(size_t n, int r, uint32_t seed) {
  PhiloxStream s{0x1257ull + seed, seed, 0x7E58u};
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    int x = static_cast<int>(below(s.word(i), 2 * r)) - r;  // -r .. r-1
    v[i] = static_cast<float>(x >= 0 ? x + 1 : x);          // -r .. -1, 1 .. r
  }
  return v;
}

inline std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  PhiloxStream s{0xB17E5ull + seed, seed, 0x7E59u};
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(s.word(i) & 0xFFu);
  return v;
}

inline std::vector<uint32_t> random_rows(size_t n, uint32_t limit, uint32_t seed) {
  PhiloxStream s{0x2025ull + seed, seed, 0x7E5Au};
  std::vector<uint32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = below(s.word(i), limit);
  return v;
}

template <typename T>
DeviceArray<T> to_device(Executor& ex, const std::vector<T>& host) {
  DeviceArray<T> d(&ex, host.size());
  if (!host.empty()) ex.copy_to_device(d.get(), host.data(), host.size() * sizeof(T));
  return d;
}

template <typename T>
std::vector<T> to_host(Executor& ex, const DeviceArray<T>& d) {
  std::vector<T> h(d.size());
  if (!h.empty()) ex.copy_to_host(h.data(), d.get(), h.size() * sizeof(T));
  return h;
}

// A NaN-filled device buffer: elements a kernel fails to write stay NaN and fail isfinite.
inline DeviceArray<float> poisoned(Executor& ex, size_t n) {
  return to_device(ex, std::vector<float>(n, std::numeric_limits<float>::quiet_NaN()));
}

// Runs each op in its own executor step and waits.
inline void run_gemm(Executor& ex, std::vector<GemmProblem> problems) {
  ex.begin_step();
  Staged<GemmProblem> s = ex.stage_gemm(std::move(problems));
  ex.gemm(s);
  ex.end_step();
  ex.synchronize();
}
inline void run_xent(Executor& ex, std::vector<XentProblem> problems) {
  ex.begin_step();
  Staged<XentProblem> s = ex.stage_xent(std::move(problems));
  ex.softmax_xent(s);
  ex.end_step();
  ex.synchronize();
}
inline void run_rmsprop(Executor& ex, std::vector<RmspropProblem> problems) {
  ex.begin_step();
  Staged<RmspropProblem> s = ex.stage_rmsprop(std::move(problems));
  ex.rmsprop(s);
  ex.end_step();
  ex.synchronize();
}

struct Tolerance {
  double atol = 0, rtol = 0, nmse = 0;  // all zero: bit-exact
};

inline double rms(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return v.empty() ? 0.0 : std::sqrt(s / v.size());
}

// got vs ref: every element finite, |got - ref| <= atol + rtol * |ref|, and
// sum (got - ref)^2 / sum ref^2 <= nmse. A zero tolerance demands identical bits.
inline ::testing::AssertionResult close(const std::vector<float>& got,
                                        const std::vector<float>& ref, const Tolerance& tol,
                                        const std::string& what) {
  if (got.size() != ref.size())
    return ::testing::AssertionFailure() << what << ": size " << got.size() << " vs " << ref.size();
  const bool exact = tol.atol == 0 && tol.rtol == 0 && tol.nmse == 0;
  double num = 0, den = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i]))
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << got[i]
                                           << " (unwritten or overflow), ref " << ref[i];
    const double d = double(got[i]) - ref[i];
    num += d * d;
    den += double(ref[i]) * ref[i];
    if (exact) {
      if (std::memcmp(&got[i], &ref[i], sizeof(float)) != 0)
        return ::testing::AssertionFailure()
               << what << ": element " << i << " differs: " << got[i] << " vs " << ref[i];
    } else if (std::fabs(d) > tol.atol + tol.rtol * std::fabs(ref[i])) {
      return ::testing::AssertionFailure()
             << what << ": element " << i << " = " << got[i] << ", ref " << ref[i] << ", |diff| "
             << std::fabs(d) << " > " << tol.atol << " + " << tol.rtol << " * |ref|";
    }
  }
  const double nmse = den > 0 ? num / den : num;
  if (!exact && nmse > tol.nmse)
    return ::testing::AssertionFailure()
           << what << ": normalized MSE " << nmse << " > " << tol.nmse;
  return ::testing::AssertionSuccess();
}

}  // namespace qrsweep::test
