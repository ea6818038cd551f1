// GEMM problems for the emulator tests, built twice from one description: once in the
// emulated executor's memory and once in the host reference executor's, with the same
// operand values, so the kernel's outputs can be compared with ReferenceExecutor's loops.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "device/executor.h"

namespace qrsweep::test {

struct GemmSpec {
  int m = 1, n = 1, k = 1;
  int a_mode = kARow, b_mode = kBRow, epilogue = kStore;
  Activation act = Activation::kNone;
  float drop = 0.0f;
  bool ones_row = false;  // column modes: the last row of A reads as ones (db)
  bool row_map = false;   // U8 and F32 modes: rows through a permutation
  bool misalign = false;  // A and B start one element past a 16-byte boundary: scalar loads
  int pad = 0;            // added to every leading dimension (not a multiple of 4: scalar)
  uint32_t step = 3;
  std::string name() const {
    return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + " a" +
           std::to_string(a_mode) + " b" + std::to_string(b_mode) + " e" +
           std::to_string(epilogue) + " act" + std::to_string(static_cast<int>(act)) + " drop" +
           std::to_string(drop) + (ones_row ? " ones" : "") + (row_map ? " map" : "") +
           (misalign ? " misaligned" : "") + " pad" + std::to_string(pad);
  }
};

// The outputs of one problem: where they are and how many floats.
struct GemmOut {
  float* c = nullptr;
  float* h = nullptr;
  size_t elems = 0;
};

// Owns the executor memory of a list of problems.
class GemmBuild {
 public:
  GemmBuild(Executor* ex, const std::vector<GemmSpec>& specs, uint32_t seed) : ex_(ex) {
    for (size_t q = 0; q < specs.size(); ++q) add(specs[q], seed + static_cast<uint32_t>(q));
  }
  ~GemmBuild() {
    for (void* p : mem_) ex_->release(p);
  }
  GemmBuild(const GemmBuild&) = delete;
  GemmBuild& operator=(const GemmBuild&) = delete;

  const std::vector<GemmProblem>& problems() const { return problems_; }
  const std::vector<GemmOut>& outputs() const { return outs_; }

 private:
  template <typename T>
  T* upload(const std::vector<T>& host, size_t offset_elems = 0) {
    const size_t bytes = (host.size() + offset_elems) * sizeof(T);
    auto* p = static_cast<T*>(ex_->allocate(bytes ? bytes : 1));
    mem_.push_back(p);
    if (!host.empty()) ex_->copy_to_device(p + offset_elems, host.data(), host.size() * sizeof(T));
    return p + offset_elems;
  }
  static std::vector<float> uniform(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
  }

  void add(const GemmSpec& s, uint32_t seed) {
    std::mt19937 rng(seed);
    GemmProblem p{};
    p.m = s.m;
    p.n = s.n;
    p.k = s.k;
    p.a_mode = s.a_mode;
    p.b_mode = s.b_mode;
    p.epilogue = s.epilogue;
    p.act = static_cast<int>(s.act);
    p.drop_rate = s.drop;
    p.seed = 0x1234abcdULL + seed;
    p.trial = seed;
    p.layer = 1;
    p.step = s.step;
    p.a_ones_row = s.ones_row ? s.m - 1 : -1;
    const bool col = s.a_mode == kACol || s.a_mode == kAColU8 || s.a_mode == kAColF32;
    const int a_rows = col ? s.k : s.m;                           // rows of A in memory
    const int a_cols = col ? (s.ones_row ? s.m - 1 : s.m) : s.k;  // read per row
    p.lda = (a_cols > 0 ? a_cols : 1) + s.pad;
    const size_t off = s.misalign ? 1 : 0;
    if (s.a_mode == kARow || s.a_mode == kACol) {
      p.a = upload(uniform(rng, static_cast<size_t>(a_rows) * p.lda, -1.0f, 1.0f), off);
    } else {
      // A dataset's rows (more than A reads, so a row map can skip some): bytes, or real
      // values of any sign and size for the float modes.
      const int data_rows = a_rows + 3;
      const size_t elems = static_cast<size_t>(data_rows) * p.lda;
      if (s.a_mode == kARowF32 || s.a_mode == kAColF32) {
        p.a = upload(uniform(rng, elems, -300.0f, 300.0f), off);
      } else {
        std::vector<uint8_t> bytes(elems);
        for (auto& b : bytes) b = static_cast<uint8_t>(rng());
        p.a_u8 = upload(bytes, s.misalign ? 1 : 0);
      }
      if (s.row_map) {
        std::vector<uint32_t> rows(data_rows);
        for (int r = 0; r < data_rows; ++r) rows[r] = static_cast<uint32_t>(r);
        std::shuffle(rows.begin(), rows.end(), rng);
        rows.resize(a_rows);
        p.a_rows = upload(rows);
      }
    }
    const int b_rows = s.b_mode == kBRow ? s.k : s.n;
    p.ldb = (s.b_mode == kBRow ? s.n : s.k) + s.pad;
    p.b = upload(uniform(rng, static_cast<size_t>(b_rows) * p.ldb, -1.0f, 1.0f), off);
    p.ldc = s.n + s.pad;
    GemmOut o;
    o.elems = static_cast<size_t>(s.m) * p.ldc;
    std::vector<float> nan(o.elems, std::nanf(""));  // unwritten outputs stay NaN
    o.c = upload(nan);
    p.c = o.c;
    if (s.epilogue == kForward) {
      p.bias = upload(uniform(rng, s.n, -0.5f, 0.5f));
      if (s.drop > 0.0f) {
        o.h = upload(nan);
        p.h = o.h;
      }
    } else if (s.epilogue == kBackward) {
      // Stored activations in the activation's range.
      const float lo = s.act == Activation::kTanh ? -1.0f : 0.0f;
      p.y_prev = upload(uniform(rng, o.elems, lo, 1.0f));
    }
    problems_.push_back(p);
    outs_.push_back(o);
  }

  Executor* ex_;
  std::vector<void*> mem_;
  std::vector<GemmProblem> problems_;
  std::vector<GemmOut> outs_;
};

}  // namespace qrsweep::test
