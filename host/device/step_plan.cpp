// run_step, run_evaluation and add_slots (step_plan.h).
#include "device/step_plan.h"

#include <algorithm>

#include "device/step_scope.h"

namespace qrsweep {
namespace {

int depth(const std::vector<StepMember>& group) {
  int d = 0;
  for (const StepMember& m : group) d = std::max(d, m.net->layers());
  return d;
}

}  // namespace

int run_step(Executor& ex, Pass pass, const std::vector<StepMember>& group) {
  const bool train = pass == Pass::kTrain;
  const int layers = depth(group);
  StepScope scope(ex);

  // Forward: layer k of every trial deeper than k.
  std::vector<Staged<GemmProblem>> forward;
  for (int k = 0; k < layers; ++k) {
    std::vector<GemmProblem> ps;
    for (const StepMember& m : group)
      if (k < m.net->layers())
        ps.push_back(m.net->forward(k, m.src, m.rows, m.step, train && m.dropout));
    forward.push_back(ex.stage_gemm(std::move(ps)));
  }

  // Loss: softmax cross-entropy of each trial's last layer (and its dZ when training).
  std::vector<XentProblem> xs;
  for (const StepMember& m : group)
    xs.push_back(m.net->xent(m.src, m.rows, train, m.loss_sum, m.correct));
  const Staged<XentProblem> loss = ex.stage_xent(std::move(xs));

  // Backward: position p from the top is layer L - 1 - p of each trial at least p + 1 deep;
  // the dZ buffers alternate with the position.
  std::vector<Staged<GemmProblem>> backward;
  std::vector<RmspropProblem> rs;
  if (train) {
    for (int pos = 0; pos < layers; ++pos) {
      std::vector<GemmProblem> ps;
      for (const StepMember& m : group) {
        const int k = m.net->layers() - 1 - pos;
        if (k >= 0) m.net->backward(k, m.src, m.rows, m.step, m.dropout, pos & 1, &ps);
      }
      backward.push_back(ex.stage_gemm(std::move(ps)));
    }
    // Update: RMSprop over each trial's parameter vector.
    for (const StepMember& m : group) rs.push_back(m.net->rmsprop());
  }
  Staged<RmspropProblem> update;
  if (train) update = ex.stage_rmsprop(std::move(rs));

  for (const auto& f : forward) ex.gemm(f);
  ex.softmax_xent(loss);
  for (const auto& b : backward) ex.gemm(b);
  if (train) ex.rmsprop(update);
  scope.close();
  return train ? 2 * layers + 2 : layers + 1;
}

int run_evaluation(Executor& ex, const std::vector<EvalMember>& group, const DeviceRows& data,
                   int first, int count) {
  int launches = 0;
  std::vector<StepMember> step(group.size());
  for (int c = first; c < first + count; ++c) {
    const int start = c * kEvalChunkRows, rows = std::min(kEvalChunkRows, data.n - start);
    const size_t at = static_cast<size_t>(start) * data.dim;
    const Source src{data.xf ? data.x : data.x + at, data.y + start, nullptr, data.dim,
                     data.xf ? data.xf + at : nullptr};
    for (size_t q = 0; q < group.size(); ++q)
      step[q] = StepMember{group[q].net,
                           src,
                           rows,
                           0,
                           false,
                           group[q].slots.loss + (c - first),
                           group[q].slots.correct + (c - first)};
    launches += run_step(ex, Pass::kEvaluate, step);
  }
  return launches;
}

void add_slots(Executor& ex, const Slots& s, int64_t count, PassStats* st,
               std::vector<double>* each) {
  if (count <= 0) return;
  std::vector<double> loss(count);
  std::vector<int64_t> correct(count);
  ex.copy_to_host(loss.data(), s.loss, count * sizeof(double));
  ex.copy_to_host(correct.data(), s.correct, count * sizeof(int64_t));
  for (int64_t i = 0; i < count; ++i) {
    st->loss_sum += loss[i];
    st->correct += correct[i];
  }
  if (each) *each = std::move(loss);
}

}  // namespace qrsweep
