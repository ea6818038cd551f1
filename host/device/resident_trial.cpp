// ResidentTrial (resident_trial.h): a TrialBuffers (the single-trial session's buffers and
// descriptors) plus the packed scheduler's per-trial epoch state and readback slots.
#include "device/resident_trial.h"

#include <algorithm>
#include <string>

#include "qrsweep/common.h"

namespace qrsweep::packed {

ArenaShape resident_arena(const TrialConfig& cfg, const PassShape& shape) {
  return trial_arena(cfg, shape.n_train, shape.n_val);
}

ResidentTrial::ResidentTrial(Executor* ex, const TrialConfig& cfg, const PassShape& shape,
                             size_t bytes, const uint8_t* train_x, const uint8_t* train_y,
                             const float* train_xf,
                             const Weights* init)
    : stopper(cfg.patience),
      ex_(ex),
      cfg_(cfg),
      shape_(shape),
      bytes_(bytes),
      net_(ex, cfg, shape.dim, shape.classes, resident_arena(cfg, shape), init),
      train_x_(train_x),
      train_y_(train_y),
      train_xf_(train_xf) {
  steps_per_epoch = (static_cast<int64_t>(shape.n_train) + cfg_.batch_size - 1) / cfg_.batch_size;
}

ResidentTrial::~ResidentTrial() {
  // Queued work may still read perm_ and the slots; a failure here was already reported.
  try {
    ex_->synchronize();
  } catch (...) {
  }
}

StepMember ResidentTrial::step_member() const {
  const int64_t s = step_in_epoch;
  return StepMember{&net_,
                    batch_source(s),
                    batch_rows(s),
                    static_cast<uint32_t>(result.steps + s),
                    true,
                    net_.train_slots().loss + s,
                    net_.train_slots().correct + s};
}

std::vector<uint32_t> ResidentTrial::permutation(const TrialConfig& cfg, int epoch, int n_train) {
  return epoch_permutation(cfg.seed, static_cast<uint32_t>(cfg.index),
                           static_cast<uint32_t>(epoch - 1), n_train);
}

void ResidentTrial::start_epoch(int e, const std::vector<uint32_t>* perm) {
  epoch = e;
  step_in_epoch = 0;
  std::vector<uint32_t> own;
  if (!perm) own = permutation(cfg_, e, shape_.n_train);
  const std::vector<uint32_t>& p = perm ? *perm : own;
  if (static_cast<int>(p.size()) != shape_.n_train)
    throw Error("epoch permutation of " + std::to_string(p.size()) + " rows for " +
                std::to_string(shape_.n_train) + " training rows");
  if (!p.empty()) ex_->copy_to_device(net_.order(), p.data(), p.size() * sizeof(uint32_t));
}

Source ResidentTrial::batch_source(int64_t s) const {
  return Source{train_x_, train_y_, net_.order() + s * cfg_.batch_size, shape_.dim, train_xf_};
}

int ResidentTrial::batch_rows(int64_t s) const {
  return static_cast<int>(std::min<int64_t>(cfg_.batch_size, shape_.n_train - s * cfg_.batch_size));
}

PassStats ResidentTrial::read_train_epoch() const {
  PassStats st;
  add_slots(*ex_, net_.train_slots(), steps_per_epoch, &st);
  for (int64_t s = 0; s < steps_per_epoch; ++s) st.samples += batch_rows(s);
  st.steps = std::max<int64_t>(steps_per_epoch, 0);
  return st;
}

void ResidentTrial::resume(const TrialResult& so_far, const std::vector<float>& optimizer,
                           const EpochRule& rule) {
  net_.set_optimizer_state(optimizer);
  resume_from(so_far, rule, result, stopper);
}

PassStats ResidentTrial::read_eval(int n) const {
  PassStats st;
  add_slots(*ex_, eval_slots(), eval_chunks(n), &st);
  st.samples = n;
  return st;
}

}  // namespace qrsweep::packed
