// `qrsweep train`: trains one configuration, one line per epoch, and says why it stopped.
#include <cstdio>
#include <limits>
#include <optional>
#include <string>

#include "command.h"
#include "int_option.h"
#include "io/atomic_file.h"
#include "qrsweep/backend.h"
#include "qrsweep/train_config.h"
#include "qrsweep/trainer.h"

namespace qrsweep::cli {
namespace {

struct TrainArgs {
  std::string config, init, save, log_steps, backend = "auto", data_dir;
  bool no_shuffle = false, no_dropout = false;
  int64_t steps = -1;
  int threads = 0;
  bool tf32 = false;
};

void run_train(const TrainArgs& a) {
  check_backend_options(a.backend, a.tf32);
  TrainConfig tc = parse_train_config(a.config);
  if (!a.data_dir.empty()) tc.data.dir = a.data_dir;
  DataSplits data = load_data(tc.data);
  BackendOptions bo;
  bo.threads = a.threads;
  bo.tf32 = a.tf32 && resolve_backend(a.backend, a.tf32) == "cuda";
  auto backend = make_backend(a.backend, bo);
  DatasetView fit = data.fit(), val = data.val();
  const TrialConfig& cfg = tc.trial;
  std::optional<Weights> init;
  if (!a.init.empty()) {
    init = load_safetensors(a.init);
    check_initial_weights(*init, cfg.widths(fit.dim, fit.classes), a.init);
  }
  // Every input is read by now: refuse a bad output before training, not after.
  for (const std::string* out : {&a.save, &a.log_steps})
    if (!out->empty()) check_output_path(*out);
  std::printf("qrsweep train: %s on %s (%d training rows, %d validation rows)\n", a.config.c_str(),
              backend->device().c_str(), fit.n, val.n);
  auto session = backend->open(cfg, fit);
  if (init) session->set_weights(*init);

  std::vector<double> step_losses;
  TrainOptions opt;
  opt.shuffle = !a.no_shuffle;
  opt.dropout = !a.no_dropout;
  opt.max_steps = a.steps;
  if (!a.log_steps.empty()) opt.step_losses = &step_losses;
  opt.on_epoch = [&](const EpochMetrics& m) {
    std::printf(
        "epoch %3d/%d  loss %.4f  accuracy %.4f  val_loss %.4f  val_accuracy %.4f  %.2f s\n",
        m.epoch, cfg.max_epochs, m.loss, m.accuracy, m.val_loss, m.val_accuracy, m.seconds);
    std::fflush(stdout);
  };
  TrialResult r = train_trial(*session, cfg, fit, val, opt);
  std::printf("stopped: %s after %zu epochs (%lld steps, %.1f s)\n", stop_reason_name(r.reason),
              r.history.size(), static_cast<long long>(r.steps), r.seconds);
  std::printf("min val loss %.5f at epoch %d; max val accuracy %.4f at epoch %d\n", r.min_val_loss,
              r.min_val_loss_epoch, r.max_val_accuracy, r.max_val_accuracy_epoch);
  if (!a.log_steps.empty()) {
    std::string text;
    for (size_t i = 0; i < step_losses.size(); ++i) {
      char line[64];
      std::snprintf(line, sizeof line, "%zu %.9g\n", i + 1, step_losses[i]);
      text += line;
    }
    write_file_atomic(a.log_steps, text);
  }
  if (!a.save.empty()) save_safetensors(a.save, session->weights());
}

Registrar reg("train", "Train one configuration (a TOML file of one trial's keys)", 10,
              [](CLI::App& sub) {
                auto a = std::make_shared<TrainArgs>();
                sub.add_option("--config", a->config, "Trial config file (TOML)")->required();
                sub.add_option("--backend", a->backend, "cpu, cuda or auto")
                    ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
                sub.add_option("--data", a->data_dir,
                               "Directory of IDX files (overrides [data].dir)");
                add_int_option(sub, "--threads", a->threads, 0, 4096, "CPU threads (0: all cores)");
                sub.add_flag("--tf32", a->tf32, "cuda: TF32 tensor cores for the products");
                sub.add_option("--init", a->init, "Start from these weights (safetensors)");
                sub.add_flag("--no-shuffle", a->no_shuffle, "Keep the data order every epoch");
                sub.add_flag("--no-dropout", a->no_dropout, "Turn dropout layers off");
                add_int_option(sub, "--steps", a->steps, 0, std::numeric_limits<int64_t>::max(),
                               "Stop after this many optimizer steps");
                sub.add_option("--save", a->save, "Write the final weights (safetensors)");
                sub.add_option("--log-steps", a->log_steps, "Write every step's batch loss");
                sub.callback([a] { run_train(*a); });
              });

}  // namespace
}  // namespace qrsweep::cli
