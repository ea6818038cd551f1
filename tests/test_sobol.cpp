// Sobol points: docs/semantics.md#sobol's table, scipy's unscrambled points bit for bit, the
// balance property of the Owen scramble, and the centered discrepancy
// (docs/semantics.md#discrepancy) against scipy.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "qrsweep/common.h"
#include "qrsweep/discrepancy.h"
#include "qrsweep/philox.h"
#include "qrsweep/sobol.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

constexpr const char* kSystemPython = "/usr/bin/python3";

bool have_scipy() {
  return test::run_command(std::string(kSystemPython) + " -c 'import scipy.stats'").status == 0;
}

// Whitespace-separated numbers from a file that Python wrote with repr().
std::vector<double> read_numbers(const std::string& path) {
  std::istringstream in(test::read_file(path));
  std::vector<double> v;
  std::string tok;
  while (in >> tok) v.push_back(std::strtod(tok.c_str(), nullptr));
  return v;
}

std::vector<double> philox_points(uint64_t seed, int n, int d) {
  PhiloxStream s{seed, 0, 0x77u};
  std::vector<double> p(static_cast<size_t>(n) * d);
  for (size_t i = 0; i < p.size(); ++i) p[i] = uniform01_53(s.word(2 * i), s.word(2 * i + 1));
  return p;
}

TEST(Sobol, UnscrambledMatchesTheReferenceTable) {
  // docs/semantics.md#sobol, dims 1-5, points 0-8 (scipy's and Optuna's reference values).
  const double expect[9][5] = {{0, 0, 0, 0, 0},
                               {.5, .5, .5, .5, .5},
                               {.75, .25, .25, .25, .75},
                               {.25, .75, .75, .75, .25},
                               {.375, .375, .625, .875, .375},
                               {.875, .875, .125, .375, .875},
                               {.625, .125, .875, .625, .625},
                               {.125, .625, .375, .125, .125},
                               {3 / 16., 5 / 16., 15 / 16., 7 / 16., 9 / 16.}};
  SobolSequence seq = SobolSequence::unscrambled(5);
  for (uint32_t i = 0; i < 9; ++i)
    for (int d = 0; d < 5; ++d) EXPECT_EQ(seq.at(i, d), expect[i][d]) << "i=" << i << " d=" << d;
}

TEST(Sobol, UnscrambledMatchesScipyBitForBit) {
  if (!have_scipy()) GTEST_SKIP() << kSystemPython << " has no scipy (Debian's python3-scipy)";
  test::TempDir dir;
  // One file per dimension count d = 1..16, plus all 64 tabulated dimensions once.
  std::string script =
      "import sys\n"
      "from scipy.stats import qmc\n"
      "for d in list(range(1, 17)) + [64]:\n"
      "    pts = qmc.Sobol(d, scramble=False).random(1024)\n"
      "    with open(sys.argv[1] + '/sobol_%d.txt' % d, 'w') as f:\n"
      "        f.write(' '.join(repr(float(x)) for x in pts.ravel()))\n";
  test::write_file(dir.file("dump.py"), script);
  auto r = test::run_command(std::string(kSystemPython) + " '" + dir.file("dump.py") + "' '" +
                             dir.path() + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  std::vector<int> dims;
  for (int d = 1; d <= 16; ++d) dims.push_back(d);
  dims.push_back(64);
  for (int d : dims) {
    std::vector<double> ref = read_numbers(dir.file("sobol_" + std::to_string(d) + ".txt"));
    ASSERT_EQ(ref.size(), 1024u * d);
    std::vector<double> ours = SobolSequence::unscrambled(d).points(0, 1024);
    int mismatches = 0;
    for (size_t k = 0; k < ref.size(); ++k)
      if (ours[k] != ref[k] && mismatches++ < 5)
        ADD_FAILURE() << "d=" << d << " point " << k / d << " dim " << k % d << ": " << ours[k]
                      << " != scipy " << ref[k];
    EXPECT_EQ(mismatches, 0) << "d=" << d;
  }
}

TEST(Sobol, ScrambledKeepsOnePointPerIntervalInEveryProjection) {
  for (uint64_t seed : {1ull, 2ull, 987654321ull}) {
    SobolSequence seq = SobolSequence::scrambled(kSobolMaxDims, seed, 5);
    for (int d : {0, 1, 4, 17, 63}) {
      for (int m = 1; m <= 10; ++m) {
        const uint32_t n = 1u << m;
        // The first 2^m points, and the next aligned block of 2^m, are each balanced.
        for (uint32_t first : {0u, n}) {
          std::set<uint32_t> cells;
          for (uint32_t i = first; i < first + n; ++i) cells.insert(seq.bits(i, d) >> (32 - m));
          EXPECT_EQ(cells.size(), n)
              << "seed " << seed << " dim " << d << " m " << m << " first " << first;
        }
      }
    }
  }
}

TEST(Sobol, OwenScrambleIsNested) {
  // A nested uniform scramble permutes each digit as a function of the digits above it:
  // inputs that share their top k bits map to outputs that share their top k bits, and
  // the (k+1)-th bit stays distinguishing.
  PhiloxStream s{3, 0, 0x99u};
  for (uint64_t t = 0; t < 2000; ++t) {
    uint32_t seed = s.word(3 * t), x = s.word(3 * t + 1), low = s.word(3 * t + 2);
    int k = static_cast<int>(t % 32);
    uint32_t top = k == 0 ? 0u : ~0u << (32 - k);
    uint32_t bit = 1u << (31 - k);
    uint32_t y = (x & top) | (~x & bit) | (low & (bit - 1));
    uint32_t a = owen_scramble(x, seed), b = owen_scramble(y, seed);
    ASSERT_EQ(a & top, b & top) << "k=" << k;
    ASSERT_NE(a & bit, b & bit) << "k=" << k;
  }
}

TEST(Sobol, SeedsAndStreamsGiveDifferentPoints) {
  SobolSequence a = SobolSequence::scrambled(3, 1, 7), b = SobolSequence::scrambled(3, 2, 7),
                c = SobolSequence::scrambled(3, 1, 8), a2 = SobolSequence::scrambled(3, 1, 7);
  int same_ab = 0, same_ac = 0;
  for (uint32_t i = 0; i < 256; ++i)
    for (int d = 0; d < 3; ++d) {
      same_ab += a.bits(i, d) == b.bits(i, d);
      same_ac += a.bits(i, d) == c.bits(i, d);
      EXPECT_EQ(a.bits(i, d), a2.bits(i, d));  // the same seed repeats itself
    }
  EXPECT_EQ(same_ab, 0);
  EXPECT_EQ(same_ac, 0);
  // Scrambling moves the origin: the unscrambled point 0 is all zeros.
  EXPECT_NE(a.bits(0, 0), 0u);
}

TEST(Sobol, RejectsUntabulatedDimensions) {
  EXPECT_THROW(sobol_u32(0, kSobolMaxDims), ConfigError);
  EXPECT_THROW(sobol_u32(0, -1), ConfigError);
  EXPECT_THROW(SobolSequence::scrambled(kSobolMaxDims + 1, 1, 0), ConfigError);
  EXPECT_THROW(SobolSequence::unscrambled(2).at(0, 2), ConfigError);
}

TEST(Discrepancy, ReferenceValueForTheEightUnscrambledPoints) {
  std::vector<double> pts = SobolSequence::unscrambled(2).points(0, 8);
  EXPECT_NEAR(centered_discrepancy_sq(pts, 2), 0.013882107204860938, 1e-15);
}

TEST(Discrepancy, MatchesScipyOnPseudoRandomPoints) {
  if (!have_scipy()) GTEST_SKIP() << kSystemPython << " has no scipy (Debian's python3-scipy)";
  test::TempDir dir;
  const int n = 100, d = 3;
  std::vector<double> pts = philox_points(11, n, d);
  std::string text;
  char buf[40];
  for (double x : pts) {
    std::snprintf(buf, sizeof buf, "%a ", x);
    text += buf;
  }
  test::write_file(dir.file("pts.txt"), text);
  auto r = test::run_command(
      std::string(kSystemPython) +
      " -c 'import sys, numpy as np; from scipy.stats import qmc; "
      "x = np.array([float.fromhex(t) for t in open(sys.argv[1]).read().split()]).reshape(-1, " +
      std::to_string(d) + "); print(repr(float(qmc.discrepancy(x))))' '" + dir.file("pts.txt") +
      "'");
  ASSERT_EQ(r.status, 0) << r.output;
  double ref = std::strtod(r.output.c_str(), nullptr);
  EXPECT_NEAR(centered_discrepancy_sq(pts, d), ref, 1e-12 * std::fabs(ref) + 1e-16);
}

TEST(Discrepancy, ScrambledSobolIsFarBelowPseudoRandom) {
  // docs/semantics.md#discrepancy: at d = 5, n = 256 scrambled Sobol sits near 2.4e-4,
  // pseudo-random points at 4e-3..8e-3.
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    double qmc = centered_discrepancy_sq(SobolSequence::scrambled(5, seed, 3).points(0, 256), 5);
    double rnd = centered_discrepancy_sq(philox_points(seed, 256, 5), 5);
    EXPECT_LT(qmc, 1e-3) << "seed " << seed;
    EXPECT_GE(rnd, 5 * qmc) << "seed " << seed << ": sobol " << qmc << " random " << rnd;
  }
}

TEST(Discrepancy, RejectsMalformedInput) {
  EXPECT_THROW(centered_discrepancy_sq({}, 2), ConfigError);
  EXPECT_THROW(centered_discrepancy_sq({0.1, 0.2, 0.3}, 2), ConfigError);
  EXPECT_THROW(centered_discrepancy_sq({0.1}, 0), ConfigError);
}

}  // namespace
}  // namespace qrsweep
