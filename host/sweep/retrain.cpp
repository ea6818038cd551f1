// Testing the best trial (docs/sweep.md#qrsweep-sweep, step 6): retrain from scratch on every
// training row for its Max val accuracy epoch epochs (same index and seed, so deterministic), then
// test. One path for the sweep and for `qrsweep train --all-rows --test` (docs/train.md).
#include <chrono>
#include <cmath>

#include "io/atomic_file.h"
#include "qrsweep/common.h"
#include "qrsweep/number_format.h"
#include "qrsweep/sweep.h"
#include "qrsweep/trainer.h"
#include "qrsweep/weights.h"

namespace qrsweep {

TrainedModel retrain_on_all_rows(Backend& backend, const TrialConfig& cfg, int epochs,
                                 const DataSplits& data, bool test, TrainOptions opt) {
  if (epochs < 1)
    throw Error("trial " + std::to_string(cfg.index) + ": cannot retrain for " +
                std::to_string(epochs) + " epochs");
  const DatasetView all = data.train.view();
  auto session = backend.open(cfg, all);
  opt.fixed_epochs = epochs;
  opt.validate = false;
  TrainedModel out;
  out.retrain_epochs = epochs;
  out.result = train_trial(*session, cfg, all, DatasetView{}, opt);
  if (out.result.reason == StopReason::kInterrupted) return out;
  if (test) test_model(*session, data.test.view(), &out);
  out.weights = session->weights();
  return out;
}

void test_model(TrialSession& session, const DatasetView& test, TrainedModel* m) {
  PassStats st = session.evaluate(test);
  m->tested = true;
  m->test_loss = st.samples ? st.loss_sum / st.samples : std::nan("");
  m->test_accuracy = st.samples ? double(st.correct) / st.samples : std::nan("");
}

std::vector<std::pair<std::string, std::string>> trained_metadata(const TrialConfig& cfg,
                                                                  const TrainedModel& r,
                                                                  const DataSplits& data) {
  auto meta = model_metadata(cfg);
  set_preprocessing_metadata(meta, data);
  if (r.retrain_epochs > 0) meta.emplace_back("retrain_epochs", std::to_string(r.retrain_epochs));
  if (r.tested) {
    meta.emplace_back("test_loss", format_double(r.test_loss));
    meta.emplace_back("test_accuracy", format_double(r.test_accuracy));
  }
  return meta;
}

std::optional<TestRecord> retrain_and_test(Backend& backend, const TrialRecord& best,
                                           const DataSplits& data, const DataSource& source,
                                           const std::string& dir,
                                           const std::function<bool()>& should_stop) {
  const auto t0 = std::chrono::steady_clock::now();
  const TrialConfig& cfg = best.config;
  TestRecord t;
  t.trial = cfg.index;
  t.retrain_epochs = best.max_val_accuracy_epoch;
  t.backend = backend.name();
  if (t.retrain_epochs < 1)
    throw Error("trial " + std::to_string(cfg.index) + " has no Max val accuracy epoch");

  TrainOptions opt;
  opt.should_stop = should_stop;
  TrainedModel r = retrain_on_all_rows(backend, cfg, t.retrain_epochs, data, /*test=*/true, opt);
  if (r.result.reason == StopReason::kInterrupted) return std::nullopt;
  t.test_loss = r.test_loss;
  t.test_accuracy = r.test_accuracy;

  // Files first, the store's row last: a crash in between leaves no row, and the next
  // run retrains (deterministically) and writes the same files again.
  t.weights_path = "best.safetensors";
  t.config_path = "best_trial.toml";
  save_safetensors(dir + "/" + t.weights_path, r.weights, trained_metadata(cfg, r, data));
  write_file_atomic(dir + "/" + t.config_path, best_trial_toml(best, source));
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return t;
}

}  // namespace qrsweep
