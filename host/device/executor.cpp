// Executor's shared half: descriptor checks, offset prefix sums and staging of problem lists.
#include "device/executor.h"

#include <climits>
#include <string>

#include "qrsweep/common.h"

namespace qrsweep {
namespace {

[[noreturn]] void bad(const std::string& what) { throw Error("invalid kernel problem: " + what); }

void require(bool ok, const char* what) {
  if (!ok) bad(what);
}

// Checks every problem, stages the list and, when `work` is given, the prefix sum of each
// problem's CTAs (tiles or chunks).
template <typename P>
Staged<P> stage_list(Executor& ex, std::vector<P> problems, int (*work)(const P&)) {
  if (problems.empty()) throw Error("staging an empty problem list");
  std::vector<int> counts;
  for (const P& p : problems) {
    check_problem(p);
    if (work) counts.push_back(work(p));
  }
  Staged<P> s;
  s.count = static_cast<int>(problems.size());
  s.problems = static_cast<const P*>(ex.stage_bytes(problems.data(), problems.size() * sizeof(P)));
  if (work) {
    std::vector<int> off = prefix_offsets(counts);
    s.total = off.back();
    s.offsets = static_cast<const int*>(ex.stage_bytes(off.data(), off.size() * sizeof(int)));
  } else {
    s.total = s.count;
  }
  s.host = std::move(problems);
  return s;
}

}  // namespace

void check_problem(const GemmProblem& p) {
  require(p.m >= 1 && p.n >= 1 && p.k >= 1, "m, n and k must be >= 1");
  require(p.c != nullptr, "c is null");
  require(p.b != nullptr, "b is null");
  require(p.ldc >= p.n, "ldc < n");
  switch (p.b_mode) {
    case kBRow:
      require(p.ldb >= p.n, "kBRow needs ldb >= n");
      break;
    case kBCol:
      require(p.ldb >= p.k, "kBCol needs ldb >= k");
      break;
    default:
      bad("unknown b_mode " + std::to_string(p.b_mode));
  }
  const bool ones = p.a_ones_row >= 0;
  switch (p.a_mode) {
    case kARow:
    case kARowU8:
    case kARowF32:
      require(!ones, "a_ones_row is only for the column modes");
      require(p.lda >= p.k, "row modes need lda >= k");
      break;
    case kACol:
    case kAColU8:
    case kAColF32:
      require(!ones || p.a_ones_row < p.m, "a_ones_row >= m");
      // Row i of A is memory row i: the ones row saves memory only when it is the last.
      require(p.lda >= (p.a_ones_row == p.m - 1 ? p.m - 1 : p.m),
              "column modes need lda >= the rows read (m, or m - 1 when the ones row is last)");
      break;
    default:
      bad("unknown a_mode " + std::to_string(p.a_mode));
  }
  if (p.a_mode == kARow || p.a_mode == kACol || p.a_mode == kARowF32 || p.a_mode == kAColF32)
    require(p.a != nullptr, "a is null");
  if (p.a_mode == kARowU8 || p.a_mode == kAColU8) require(p.a_u8 != nullptr, "a_u8 is null");
  require(p.act >= 0 && p.act <= static_cast<int>(Activation::kSigmoid), "unknown activation");
  require(p.drop_rate >= 0.0f && p.drop_rate < 1.0f, "drop_rate outside [0, 1)");
  switch (p.epilogue) {
    case kStore:
      require(p.drop_rate == 0.0f, "kStore takes no dropout");
      break;
    case kForward:
      require(p.bias != nullptr, "kForward needs bias");
      require(p.drop_rate == 0.0f || p.h != nullptr, "kForward with dropout needs h");
      break;
    case kBackward:
      require(p.y_prev != nullptr, "kBackward needs y_prev");
      break;
    default:
      bad("unknown epilogue " + std::to_string(p.epilogue));
  }
  require(p.c != p.a && p.c != p.b, "c must not alias a or b");
}

void check_problem(const XentProblem& p) {
  require(p.rows >= 1, "xent rows must be >= 1");
  require(p.classes >= 1, "xent classes must be >= 1");
  require(p.z && p.labels && p.loss_sum && p.correct, "xent pointer is null");
  require(p.dz != p.z, "dz must not alias z");
}

void check_problem(const RmspropProblem& p) {
  require(p.n >= 1, "rmsprop n must be >= 1");
  require(p.w && p.g && p.ms && p.mom, "rmsprop pointer is null");
  require(p.lr > 0.0f, "rmsprop lr must be > 0");
  require(p.momentum >= 0.0f && p.momentum <= 1.0f, "rmsprop momentum outside [0, 1]");
}

std::vector<int> prefix_offsets(const std::vector<int>& counts) {
  std::vector<int> off(counts.size() + 1, 0);
  long long sum = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] < 0) throw Error("negative tile count");
    sum += counts[i];
    if (sum > INT_MAX) throw Error("one launch would need more than 2^31 - 1 CTAs");
    off[i + 1] = static_cast<int>(sum);
  }
  return off;
}

Staged<GemmProblem> Executor::stage_gemm(std::vector<GemmProblem> problems) {
  return stage_list<GemmProblem>(*this, std::move(problems),
                                 [](const GemmProblem& p) { return gemm_tiles(p); });
}

Staged<XentProblem> Executor::stage_xent(std::vector<XentProblem> problems) {
  return stage_list<XentProblem>(*this, std::move(problems), nullptr);
}

Staged<RmspropProblem> Executor::stage_rmsprop(std::vector<RmspropProblem> problems) {
  return stage_list<RmspropProblem>(*this, std::move(problems),
                                    [](const RmspropProblem& p) { return rmsprop_chunks(p); });
}

}  // namespace qrsweep
