// `qrsweep train`: trains one configuration, one line per epoch, and says why it stopped.
#include <cstdio>
#include <limits>
#include <optional>
#include <string>

#include "command.h"
#include "int_option.h"
#include "io/atomic_file.h"
#include "qrsweep/backend.h"
#include "qrsweep/sweep.h"
#include "qrsweep/train_config.h"
#include "qrsweep/trainer.h"

namespace qrsweep::cli {
namespace {

struct TrainArgs {
  std::string config, init, save, log_steps, backend = "auto", data_dir;
  bool no_shuffle = false, no_dropout = false, all_rows = false, test = false;
  int64_t steps = -1;
  int threads = 0;
  bool tf32 = false;
  CudaModes cuda;
};

void print_epoch(const EpochMetrics& m, int epochs, bool validated) {
  std::printf("epoch %3d/%d  loss %.4f  accuracy %.4f", m.epoch, epochs, m.loss, m.accuracy);
  if (validated) std::printf("  val_loss %.4f  val_accuracy %.4f", m.val_loss, m.val_accuracy);
  std::printf("  %.2f s\n", m.seconds);
  std::fflush(stdout);
}

void run_train(const TrainArgs& a) {
  check_backend_options(a.backend, a.tf32, a.cuda);
  TrainConfig tc = parse_train_config(a.config);
  if (a.all_rows && !a.init.empty())
    throw ConfigError("--init cannot be combined with --all-rows, which retrains from scratch");
  if (!a.data_dir.empty()) tc.data.dir = a.data_dir;
  DataSplits data = load_data(tc.data);
  BackendOptions bo;
  bo.threads = a.threads;
  bo.tf32 = a.tf32 && resolve_backend(a.backend, a.tf32, a.cuda) == "cuda";
  bo.cuda = a.cuda;
  auto backend = make_backend(a.backend, bo);
  const TrialConfig& cfg = tc.trial;
  std::optional<Weights> init;
  if (!a.init.empty()) {
    init = load_safetensors(a.init);
    check_initial_weights(*init, cfg.widths(data.train.dim, data.train.classes), a.init);
  }
  // Every input is read by now: refuse a bad output before training, not after.
  for (const std::string* out : {&a.save, &a.log_steps})
    if (!out->empty()) check_output_path(*out);

  std::vector<double> step_losses;
  TrainOptions opt;
  opt.shuffle = !a.no_shuffle;
  opt.dropout = !a.no_dropout;
  opt.max_steps = a.steps;
  if (!a.log_steps.empty()) opt.step_losses = &step_losses;

  TrainedModel m;
  if (a.all_rows) {
    // The sweep's last step: every training row, a fixed number of epochs, no validation.
    const int epochs = tc.retrain_epochs > 0 ? tc.retrain_epochs : cfg.max_epochs;
    std::printf("qrsweep train: %s on %s (all %d training rows, %d epochs, no validation)\n",
                a.config.c_str(), backend->device().c_str(), data.train.n, epochs);
    opt.on_epoch = [&](const EpochMetrics& e) { print_epoch(e, epochs, false); };
    m = retrain_on_all_rows(*backend, cfg, epochs, data, a.test, opt);
  } else {
    DatasetView fit = data.fit(), val = data.val();
    std::printf("qrsweep train: %s on %s (%d training rows, %d validation rows)\n",
                a.config.c_str(), backend->device().c_str(), fit.n, val.n);
    auto session = backend->open(cfg, fit);
    if (init) session->set_weights(*init);
    opt.on_epoch = [&](const EpochMetrics& e) { print_epoch(e, cfg.max_epochs, true); };
    m.result = train_trial(*session, cfg, fit, val, opt);
    if (a.test) test_model(*session, data.test.view(), &m);
    m.weights = session->weights();
  }
  const TrialResult& r = m.result;
  std::printf("stopped: %s after %zu epochs (%lld steps, %.1f s)\n", stop_reason_name(r.reason),
              r.history.size(), static_cast<long long>(r.steps), r.seconds);
  if (!a.all_rows)
    std::printf("min val loss %.5f at epoch %d; max val accuracy %.4f at epoch %d\n",
                r.min_val_loss, r.min_val_loss_epoch, r.max_val_accuracy, r.max_val_accuracy_epoch);
  if (m.tested)
    std::printf("test loss %.5f  test accuracy %.4f (%d test rows)\n", m.test_loss, m.test_accuracy,
                data.test.n);
  if (!a.log_steps.empty()) {
    std::string text;
    for (size_t i = 0; i < step_losses.size(); ++i) {
      char line[64];
      std::snprintf(line, sizeof line, "%zu %.9g\n", i + 1, step_losses[i]);
      text += line;
    }
    write_file_atomic(a.log_steps, text);
  }
  if (!a.save.empty()) save_safetensors(a.save, m.weights, trained_metadata(cfg, m, data));
}

void options(CLI::App& sub, TrainArgs& a) {
  sub.add_option("--config", a.config, "Trial config file (TOML)")->required();
  add_backend_option(sub, &a.backend);
  add_data_dir_option(sub, a.data_dir);
  add_workers_option(sub, "--threads", a.threads,
                     "CPU threads (0: all cores; the results do not depend on it)");
  sub.add_flag("--tf32", a.tf32, "cuda: TF32 tensor cores for the products");
  add_cuda_mode_options(sub, &a.cuda);
  sub.add_option("--init", a.init, "Start from these weights (safetensors)");
  sub.add_flag("--no-shuffle", a.no_shuffle, "Keep the data order every epoch");
  sub.add_flag("--no-dropout", a.no_dropout, "Turn dropout layers off");
  add_int_option(sub, "--steps", a.steps, 0, std::numeric_limits<int64_t>::max(),
                 "Stop after this many optimizer steps");
  sub.add_flag("--all-rows", a.all_rows,
               "Train on every training row (validation rows too) for "
               "retrain_epochs epochs, as the sweep retrains its best trial");
  sub.add_flag("--test", a.test, "Evaluate the final weights on the test set");
  sub.add_option("--save", a.save,
                 "Write the final weights (safetensors, with their layout in the "
                 "metadata)");
  sub.add_option("--log-steps", a.log_steps, "Write every step's batch loss");
}

const Command<TrainArgs> kCommand("train",
                                  "Train one configuration (a TOML file of one trial's keys)", 10,
                                  options, run_train);

}  // namespace
}  // namespace qrsweep::cli
