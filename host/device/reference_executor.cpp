// The host executor: runs the grouped ops' descriptors with plain loops and the kernels'
// own element maths (gemm_a/gemm_b/gemm_epilogue, one fmaf chain over k per output, the
// xent and RMSprop helpers), so its GEMM outputs equal the FP32 kernel's bit for bit.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "device/host_memory_executor.h"
#include "qrsweep/common.h"

namespace qrsweep {
namespace {

class ReferenceExecutor final : public HostMemoryExecutor {
 public:
  std::string describe() const override { return "host reference executor (no GPU)"; }
  std::string name() const override { return "reference"; }

  void* allocate(size_t bytes) override {
    void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!p) throw Error("host reference executor: out of memory");
    return p;
  }
  void release(void* p) noexcept override { std::free(p); }

  void gemm(const Staged<GemmProblem>& s) override {
    for (int q = 0; q < s.count; ++q) {
      const GemmProblem& p = s.problems[q];
      for (int i = 0; i < p.m; ++i)
        for (int j = 0; j < p.n; ++j) {
          float acc = 0.0f;
          for (int kk = 0; kk < p.k; ++kk) acc = std::fma(gemm_a(p, i, kk), gemm_b(p, kk, j), acc);
          gemm_epilogue(p, i, j, acc);
        }
    }
  }

  void softmax_xent(const Staged<XentProblem>& s) override {
    for (int q = 0; q < s.count; ++q) {
      const XentProblem& p = s.problems[q];
      const float inv_batch = 1.0f / static_cast<float>(p.rows);
      double loss = 0.0;
      int64_t correct = 0;
      for (int r = 0; r < p.rows; ++r) {
        const float* z = p.z + static_cast<size_t>(r) * p.classes;
        const int label = p.labels[p.rows_idx ? p.rows_idx[r] : static_cast<uint32_t>(r)];
        const XentRow<float> x = xent_row(z, p.classes, label);
        loss += static_cast<double>(x.loss);
        correct += x.argmax == label ? 1 : 0;
        if (p.dz) {
          float* d = p.dz + static_cast<size_t>(r) * p.classes;
          for (int j = 0; j < p.classes; ++j) d[j] = xent_grad(x, z[j], j == label, inv_batch);
        }
      }
      *p.loss_sum = loss;
      *p.correct = correct;
    }
  }

  void rmsprop(const Staged<RmspropProblem>& s) override {
    for (int q = 0; q < s.count; ++q) {
      const RmspropProblem& p = s.problems[q];
      RmspropHyper h;
      h.lr = p.lr;
      h.momentum = p.momentum;
      for (int64_t e = 0; e < p.n; ++e) rmsprop_step(h, p.g[e], &p.w[e], &p.ms[e], &p.mom[e]);
    }
  }

 private:
  void* stage_block(size_t bytes) override {
    arena_.emplace_back(new unsigned char[bytes + 16]);
    return arena_.back().get();
  }
  void drop_staged() noexcept override { arena_.clear(); }
  std::vector<std::unique_ptr<unsigned char[]>> arena_;
};

}  // namespace

std::shared_ptr<Executor> make_reference_executor() {
  return std::make_shared<ReferenceExecutor>();
}

}  // namespace qrsweep
