// Hand-made stores for the report tests, written through the store API: trials in any
// state (queued, running, done, diverged, failed) with any losses, NaN included.
#pragma once
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "qrsweep/store.h"

namespace qrsweep::test {

// A small space; its data files are never read by a report.
inline SearchSpace fixture_space(int trials, uint64_t seed = 5) {
  return parse_space_text("trials = " + std::to_string(trials) +
                              "\nseed = " + std::to_string(seed) +
                              "\nmax_epochs = 4\npatience = 2\n"
                              "[layer_size]\nlow = 4\nhigh = 16\n"
                              "[learning_rate]\nlow = 0.001\nhigh = 0.01\nscale = \"log\"\n"
                              "[batch_size]\nlow = 8\nhigh = 64\n",
                          "fixture space");
}

// Creates the store of shard (index, count) of `space` at `path` (its directory too).
inline std::unique_ptr<Store> create_fixture_store(const std::string& path,
                                                   const SearchSpace& space, int shard_index = 0,
                                                   int shard_count = 1) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  SweepRecord rec;
  rec.identity = SweepIdentity{to_toml(space), shard_index, shard_count};
  rec.seed = space.seed;
  rec.trials = space.trials;
  rec.host = "fixture-host";
  rec.machine = "fixture machine";
  rec.backend = "cpu";
  rec.device = "fixture CPU";
  return Store::create(path, rec, make_plan_rows(space, shard_index, shard_count));
}

// Marks trial `index` running and records one epoch per val loss (training loss a bit
// above it); with `finish`, ends it with `status` and the results the epochs imply.
inline void record_trial(Store& store, int index, const std::vector<double>& val_losses,
                         TrialStatus status, const std::string& error = "") {
  std::optional<TrialRecord> found = store.trial(index);
  if (!found) throw std::runtime_error("no trial " + std::to_string(index));
  TrialRecord r = *found;
  store.mark_running(index, "cpu");
  double best = NAN, best_acc = NAN;
  int best_epoch = 0, acc_epoch = 0;
  for (size_t e = 0; e < val_losses.size(); ++e) {
    EpochMetrics m;
    m.epoch = static_cast<int>(e + 1);
    m.val_loss = val_losses[e];
    m.loss = val_losses[e] * 1.1;
    m.val_accuracy = std::isfinite(m.val_loss) ? 1.0 / (1.0 + m.val_loss) : NAN;
    m.accuracy = m.val_accuracy;
    m.seconds = 0.01;
    store.add_epoch(index, m);
    if (std::isfinite(m.val_loss) && !(m.val_loss >= best)) best = m.val_loss, best_epoch = m.epoch;
    if (std::isfinite(m.val_accuracy) && !(m.val_accuracy <= best_acc))
      best_acc = m.val_accuracy, acc_epoch = m.epoch;
  }
  if (status == TrialStatus::kRunning) return;
  r.status = status;
  r.min_val_loss = best;
  r.min_val_loss_epoch = best_epoch;
  r.max_val_accuracy = best_acc;
  r.max_val_accuracy_epoch = acc_epoch;
  r.epochs_run = static_cast<int>(val_losses.size());
  r.steps = 3 * r.epochs_run;
  r.seconds = 0.01 * r.epochs_run;
  r.stop_reason = status == TrialStatus::kFailed     ? "error"
                  : status == TrialStatus::kDiverged ? "diverged"
                                                     : "max_epochs";
  r.error = error;
  r.backend = "cpu";
  store.finish_trial(r);
}

}  // namespace qrsweep::test
