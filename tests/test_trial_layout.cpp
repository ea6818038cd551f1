// One trial layout (core/trial_layout.h): where a trial's numbers live is computed in one
// place; on an Executor a trial's memory is one allocation carved by it, for the single-trial
// session and the packed scheduler alike, and the memory plan budgets exactly that allocation.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "core/trial_layout.h"
#include "device/device_backend.h"
#include "device/memory_plan.h"
#include "gpu_packed_cases.h"
#include "qrsweep/trainer.h"
#include "support/test_support.h"

namespace qrsweep::test {
namespace {

TrialConfig deep_config() {
  TrialConfig c;
  c.index = 4;
  c.seed = 99;
  c.hidden_layers = 3;
  c.sizes = {7, 5, 3, 0, 0};
  c.dropout = {true, false, true, false, false};
  c.dropout_rate = {0.25, 0.0, 0.5, 0.0, 0.0};
  c.batch_size = 9;
  c.learning_rate = 0.01;
  c.momentum = 0.9;
  c.max_epochs = 2;
  return c;
}

TEST(TrialLayout, BuffersAreAlignedDisjointAndInsideTheAllocation) {
  const TrialConfig c = deep_config();
  const TrialLayout l(c, 10, 4, trial_arena(c, 60, 25));
  EXPECT_EQ(l.widths(), (std::vector<int>{10, 7, 5, 3, 4}));
  EXPECT_TRUE(l.has_dropout(0));
  EXPECT_FALSE(l.has_dropout(1));
  EXPECT_TRUE(l.has_dropout(2));
  EXPECT_FALSE(l.has_dropout(3));  // the output layer never drops
  // The parameter vector: each layer on a 16-byte boundary, W then b.
  for (int k = 0; k < l.layers(); ++k) {
    EXPECT_EQ(l.w(k) % 4, 0u) << k;
    EXPECT_EQ(l.b(k), l.w(k) + static_cast<size_t>(l.widths()[k]) * l.widths()[k + 1]) << k;
  }
  EXPECT_EQ(l.param_floats(), l.b(3) + 4);
  // Every buffer of the arena: aligned, inside bytes(), and no two overlap.
  const ArenaShape& a = l.arena();
  EXPECT_EQ(a.rows, 25);        // the evaluation chunk (25 rows) is larger than the batch (9)
  EXPECT_EQ(a.train_slots, 7);  // ceil(60 / 9)
  EXPECT_EQ(a.eval_slots, 1);
  const size_t pf = l.param_floats() * sizeof(float);
  std::vector<std::pair<size_t, size_t>> spans = {{l.params(), pf},
                                                  {l.grads(), pf},
                                                  {l.ms(), pf},
                                                  {l.mom(), pf},
                                                  {l.dz(0), 25 * 7 * sizeof(float)},
                                                  {l.dz(1), 25 * 7 * sizeof(float)},
                                                  {l.order(), 60 * sizeof(uint32_t)},
                                                  {l.train_loss(), 7 * sizeof(double)},
                                                  {l.train_correct(), 7 * sizeof(int64_t)},
                                                  {l.eval_loss(), sizeof(double)},
                                                  {l.eval_correct(), sizeof(int64_t)}};
  for (int k = 0; k < l.layers(); ++k) {
    spans.push_back({l.y(k), 25 * sizeof(float) * l.widths()[k + 1]});
    if (l.has_dropout(k)) spans.push_back({l.h(k), 25 * sizeof(float) * l.widths()[k + 1]});
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 0; i < spans.size(); ++i) {
    EXPECT_EQ(spans[i].first % TrialLayout::kAlign, 0u) << i;
    EXPECT_LE(spans[i].first + spans[i].second, l.bytes()) << i;
    if (i > 0) {
      EXPECT_LE(spans[i - 1].first + spans[i - 1].second, spans[i].first) << i;
    }
  }
}

TEST(TrialLayout, PackAndUnpackRoundTripAndCheckTheWidths) {
  const TrialConfig c = deep_config();
  const TrialLayout l(c, 10, 4);  // the parameters only, as the CPU session keeps them
  EXPECT_EQ(l.bytes(), 4 * ((l.param_floats() * sizeof(float) + 255) / 256 * 256));
  const Weights w = init_weights(c, 10, 4);
  std::vector<float> params(l.param_floats(), 0.0f);
  l.pack(w, params.data());
  const Weights back = l.unpack(params.data());
  ASSERT_EQ(back.layers.size(), w.layers.size());
  for (size_t k = 0; k < w.layers.size(); ++k) {
    EXPECT_EQ(back.layers[k].w, w.layers[k].w) << k;
    EXPECT_EQ(back.layers[k].b, w.layers[k].b) << k;
  }
  EXPECT_THROW(l.pack(init_weights(c, 11, 4), params.data()), Error);
  TrialConfig bad = c;
  bad.hidden_layers = 0;
  EXPECT_THROW(TrialLayout(bad, 10, 4), ConfigError);
}

// Forwards to the reference executor and records every allocation's size.
class CountingExecutor final : public Executor {
 public:
  std::vector<size_t> sizes;
  std::string describe() const override { return in_->describe(); }
  std::string name() const override { return in_->name(); }
  void* allocate(size_t bytes) override {
    sizes.push_back(bytes);
    return in_->allocate(bytes);
  }
  void release(void* p) noexcept override { in_->release(p); }
  void zero(void* d, size_t n) override { in_->zero(d, n); }
  void copy_to_device(void* d, const void* s, size_t n) override { in_->copy_to_device(d, s, n); }
  void copy_to_host(void* d, const void* s, size_t n) override { in_->copy_to_host(d, s, n); }
  void synchronize() override { in_->synchronize(); }
  void begin_step() override { in_->begin_step(); }
  const void* stage_bytes(const void* s, size_t n) override { return in_->stage_bytes(s, n); }
  void end_step() override { in_->end_step(); }
  void gemm(const Staged<GemmProblem>& s) override { in_->gemm(s); }
  void softmax_xent(const Staged<XentProblem>& s) override { in_->softmax_xent(s); }
  void rmsprop(const Staged<RmspropProblem>& s) override { in_->rmsprop(s); }

 private:
  std::shared_ptr<Executor> in_ = make_reference_executor();
};

TEST(TrialLayout, ASessionIsOneAllocationThatTrainingAndEvaluationDoNotGrow) {
  auto ex = std::make_shared<CountingExecutor>();
  auto backend = make_device_backend(ex, "counting");
  const Dataset data = synthetic_dataset(2500, 10, 4, 3u);  // evaluation: three chunks
  const TrialConfig c = deep_config();
  auto first = backend->open(c, data.view());  // uploads the data: rows and labels
  const size_t before = ex->sizes.size();
  auto s = backend->open(c, data.view());
  ASSERT_EQ(ex->sizes.size(), before + 1) << "a trial is one allocation";
  EXPECT_EQ(ex->sizes.back(), TrialLayout(c, 10, 4, trial_arena(c, 2500, 2500)).bytes());
  std::vector<uint32_t> order(2500);
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  EpochRequest req;
  req.order = order.data();
  const PassStats tr = s->train_epoch(req);
  EXPECT_EQ(tr.samples, 2500);
  const PassStats ev = s->evaluate(data.view());
  EXPECT_EQ(ev.samples, 2500);
  EXPECT_EQ(ex->sizes.size(), before + 1) << "training and evaluation allocated";
}

TEST(TrialLayout, APackedTrialIsOneAllocationOfThePlannedBytes) {
  auto ex = std::make_shared<CountingExecutor>();
  auto backend = make_device_backend(ex, "counting");
  const DataSplits data = packed_dataset();
  const std::vector<TrialConfig> mix = packed_mix();
  PackedOptions opt;
  opt.fixed_epochs = 1;
  const PackedOutcomes out = run_packed_mix(*backend->packed(), mix, data, opt);
  ASSERT_EQ(out.size(), mix.size());
  for (const auto& [index, o] : out) EXPECT_EQ(o.error, "") << index;
  // The training and validation sets' rows and labels, then one allocation per trial.
  ASSERT_EQ(ex->sizes.size(), 4 + mix.size());
  packed::PassShape shape;
  shape.dim = data.train.dim;
  shape.classes = data.train.classes;
  shape.n_train = data.fit().n;
  shape.n_val = data.val().n;
  std::vector<size_t> planned, made(ex->sizes.begin() + 4, ex->sizes.end());
  for (const TrialConfig& c : mix) {
    const size_t bytes =
        TrialLayout(c, shape.dim, shape.classes, packed::resident_arena(c, shape)).bytes();
    planned.push_back(bytes);
    EXPECT_GE(packed::resident_bytes(c, shape), bytes);
    EXPECT_LT(packed::resident_bytes(c, shape), bytes + 512);
  }
  std::sort(planned.begin(), planned.end());
  std::sort(made.begin(), made.end());
  EXPECT_EQ(made, planned);
}

}  // namespace
}  // namespace qrsweep::test
