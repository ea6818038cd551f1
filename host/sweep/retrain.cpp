// Testing the best trial (docs/sweep.md#qrsweep-sweep, step 6): retrain from scratch on every
// training row for its Max val accuracy epoch epochs (same index and seed, so deterministic), then
// test.
#include <chrono>
#include <cmath>

#include "qrsweep/common.h"
#include "qrsweep/number_format.h"
#include "qrsweep/sweep.h"
#include "qrsweep/trainer.h"
#include "qrsweep/trial_table.h"
#include "qrsweep/weights.h"

namespace qrsweep {

std::optional<TestRecord> retrain_and_test(Backend& backend, const TrialRecord& best,
                                           const DataSplits& data, const DataSource& source,
                                           const std::string& dir,
                                           const std::function<bool()>& should_stop) {
  const auto t0 = std::chrono::steady_clock::now();
  const TrialConfig& cfg = best.config;
  const DatasetView all = data.train.view();
  const DatasetView test = data.test.view();
  TestRecord t;
  t.trial = cfg.index;
  t.retrain_epochs = best.max_val_accuracy_epoch;
  t.backend = backend.name();
  if (t.retrain_epochs < 1)
    throw Error("trial " + std::to_string(cfg.index) + " has no Max val accuracy epoch");

  auto session = backend.open(cfg, all);
  TrainOptions opt;
  opt.fixed_epochs = t.retrain_epochs;
  opt.validate = false;
  opt.should_stop = should_stop;
  TrialResult r = train_trial(*session, cfg, all, DatasetView{}, opt);
  if (r.reason == StopReason::kInterrupted) return std::nullopt;
  PassStats st = session->evaluate(test);
  t.test_loss = st.samples ? st.loss_sum / st.samples : std::nan("");
  t.test_accuracy = st.samples ? double(st.correct) / st.samples : std::nan("");

  // Files first, the store's row last: a crash in between leaves no row, and the next
  // run retrains (deterministically) and writes the same files again.
  t.weights_path = "best.safetensors";
  t.config_path = "best_trial.toml";
  save_safetensors(dir + "/" + t.weights_path, session->weights(),
                   {{"qrsweep_version", QRSWEEP_VERSION},
                    {"trial", std::to_string(cfg.index)},
                    {"seed", std::to_string(cfg.seed)},
                    {"retrain_epochs", std::to_string(t.retrain_epochs)},
                    {"test_loss", format_double(t.test_loss)},
                    {"test_accuracy", format_double(t.test_accuracy)}});
  write_file_atomic(dir + "/" + t.config_path, best_trial_toml(best, source));
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

}  // namespace qrsweep
