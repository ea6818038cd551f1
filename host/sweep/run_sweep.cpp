// run_sweep: the whole workflow of sweep.h in order. Open (or resume) the store, train
// the pending trials, then select, retrain and test the best; stop cleanly on a signal.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/cores.h"
#include "qrsweep/common.h"
#include "qrsweep/sweep.h"
#include "sweep/halving.h"
#include "sweep/host_info.h"
#include "sweep/pause_file.h"
#include "sweep/progress.h"
#include "sweep/stop_signals.h"
#include "sweep/store_lock.h"
#include "sweep/trial_pool.h"

namespace qrsweep {

namespace {

using sweep_detail::Progress;
using sweep_detail::StopSignals;

// Creates DIR and proves a file can be created in it, so "not writable" is reported up
// front, by name, rather than as an SQLite error halfway through.
void prepare_directory(const std::string& dir) {
  if (dir.empty()) throw ConfigError("--out: the sweep directory is required");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create the sweep directory " + dir + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) throw Error("--out " + dir + " is not a directory");
  const std::string probe = dir + "/.qrsweep-write-test-" + std::to_string(getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error("cannot write to the sweep directory " + dir + ": " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

// The command that resumes this sweep, for the messages that say how.
std::string resume_command(const SweepOptions& o) {
  std::ostringstream s;
  s << "qrsweep sweep --space " << o.space_path << " --out " << o.out_dir;
  if (o.trials) s << " --trials " << *o.trials;
  if (o.seed) s << " --seed " << *o.seed;
  if (!o.data_dir.empty()) s << " --data " << o.data_dir;
  if (o.backend != "auto") s << " --backend " << o.backend;
  if (o.max_resident > 0) s << " --max-resident " << o.max_resident;
  if (o.shard.count > 1) s << " --shard " << o.shard.index << "/" << o.shard.count;
  return s.str();
}

// Rethrows a failure of the training or the retraining with what is kept and how to go on:
// the stored trials survive any of them, and the same command resumes.
[[noreturn]] void rethrow_with_resume_hint(std::exception_ptr failure, const std::string& path,
                                           const SweepOptions& o) {
  const std::string kept = "\nevery trial finished so far is kept in " + path +
                           "; fix the cause and resume with: " + resume_command(o);
  try {
    std::rethrow_exception(failure);
  } catch (const DataError& e) {
    throw DataError(e.what() + kept);
  } catch (const ConfigError& e) {
    throw ConfigError(e.what() + kept);
  } catch (const Error& e) {
    throw Error(e.what() + kept);
  }
}

double best_loss(const std::vector<TrialRecord>& trials) {
  auto best = select_best(trials);
  return best ? best->min_val_loss : std::nan("");
}

}  // namespace

SweepOutcome run_sweep(const SweepOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const Shard shard = o.shard;
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count)
    throw ConfigError("shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count) +
                      " is not a shard");
  if (o.jobs < 0) throw ConfigError("--jobs must be >= 1 (0: automatic)");
  if (o.threads < 0) throw ConfigError("--threads must be >= 1 (0: automatic)");
  if (o.max_resident < 0) throw ConfigError("--max-resident must be >= 1 (0: as many as fit)");
  check_backend_options(o.backend, o.tf32, o.cuda);
  const SearchSpace space = resolve_space(o);
  const bool halving = space.schedule.kind != ScheduleKind::kFull;
  const std::vector<TrialConfig> plan = make_plan_rows(space, shard.index, shard.count);

  prepare_directory(o.out_dir);
  const std::string path = shard.count > 1 ? shard_store_path(o.out_dir, shard.index, shard.count)
                                           : store_path(o.out_dir);
  if (shard.count > 1) prepare_directory(o.out_dir + "/shards");
  sweep_detail::StoreLock lock(path);
  // The data before the first write: a missing dataset leaves no store behind, or the
  // existing one as it was.
  std::optional<DataSplits> data;
  std::optional<DataIdentity> identity;
  if (!Store::exists(path)) {
    data = load_data(space.data);
    identity = data_identity(*data);
  }
  std::unique_ptr<Store> store = open_sweep_store(path, space, shard, plan, identity);

  std::vector<TrialRecord> trials = store->trials();
  const int paused = halving ? sweep_detail::tidy_paused(o.out_dir, trials) : 0;
  std::vector<TrialConfig> pending;
  for (const TrialRecord& t : trials)
    if (!is_finished(t.status)) pending.push_back(t.config);
  SweepOutcome out;
  out.trials_kept = static_cast<int>(trials.size() - pending.size());
  out.test = store->test();

  Progress progress(Progress::mode_for(o.quiet), stderr, static_cast<int>(trials.size()),
                    out.trials_kept, best_loss(trials));
  if (halving) {
    std::vector<int> indices;
    long long finished_epochs = 0;
    for (const TrialRecord& t : trials) {
      indices.push_back(t.config.index);
      if (is_finished(t.status)) finished_epochs += t.epochs_run;
    }
    progress.set_epoch_bound(halving::epoch_bound(space, indices) - finished_epochs);
  }
  const bool whole_plan = shard.count == 1;
  if (pending.empty() && (!whole_plan || out.test)) {
    // Nothing left to do: say so and show what was found.
    progress.message("qrsweep sweep: " + path + " is complete (" + std::to_string(trials.size()) +
                     " trials); nothing to run");
    if (out.test) {
      auto best = store->trial(out.test->trial);
      if (best) print_summary(stdout, *best, *out.test);
    }
    return out;
  }

  if (!data) {
    // A resume: the data at the same path may have changed since the sweep began.
    data = load_data(space.data);
    const std::string recorded = check_sweep_data(*store, data_identity(*data));
    if (!recorded.empty()) progress.message("qrsweep sweep: " + recorded);
  }
  const int interrupted_before = store->reset_unfinished();
  const std::string kind = resolve_backend(o.backend, o.tf32, o.cuda);
  const int jobs = o.jobs > 0 ? o.jobs : (kind == "cpu" ? usable_cores() : 1);
  BackendOptions bo;
  // One thread per CPU session unless asked otherwise: the cores go to parallel trials.
  // The results do not depend on it (cpu/ops.h, kGemmRowBlock), so `qrsweep train` on
  // every core reproduces a trial.
  bo.threads = o.threads > 0 ? o.threads : 1;
  bo.tf32 = o.tf32 && kind == "cuda";
  bo.cuda = o.cuda;
  std::unique_ptr<Backend> backend = make_backend(kind, bo);
  store->record_run(sweep_detail::host_name(), sweep_detail::machine_description(), backend->name(),
                    backend->device());

  StopSignals signals;
  auto stop_requested = [] { return StopSignals::pending() != 0; };
  if (!pending.empty()) {
    std::ostringstream head;
    head << "qrsweep sweep: " << plan.size() << " trials (" << pending.size() << " to run";
    if (out.trials_kept) head << ", " << out.trials_kept << " kept from an earlier run";
    // Halving's paused trials are unfinished rows too, but go on from their pause.
    if (interrupted_before > paused)
      head << ", " << interrupted_before - paused << " interrupted ones restarted";
    if (paused) head << ", " << paused << " paused ones continued";
    if (halving) head << "; successive halving at " << halving::describe_rungs(space);
    // The CUDA backend trains every pending trial (or halving's pieces) at once through its
    // packed scheduler.
    const bool packed = kind == "cuda" && backend->packed() != nullptr;
    if (packed) {
      head << ") on " << backend->device() << ", packed ("
           << (o.max_resident > 0 ? "at most " + std::to_string(o.max_resident)
                                  : std::string("as many as fit"))
           << " at a time); store " << path;
    } else {
      head << ") on " << backend->device() << ", " << jobs << " at a time; store " << path;
    }
    progress.message(head.str());
    sweep_detail::PoolContext ctx;
    ctx.store = store.get();
    ctx.backend = backend.get();
    ctx.fit = data->fit();
    ctx.val = data->val();
    ctx.jobs = jobs;
    ctx.progress = &progress;
    ctx.stop_requested = stop_requested;
    ctx.after_epoch = o.after_epoch;
    ctx.max_resident = o.max_resident;
    ctx.sweep_dir = o.out_dir;
    sweep_detail::PoolResult pr =
        halving && packed ? sweep_detail::run_packed_halving_trials(trials, space, ctx)
        : halving         ? sweep_detail::run_halving_trials(trials, space, ctx)
        : packed          ? sweep_detail::run_packed_trials(pending, ctx)
                          : sweep_detail::run_trials(pending, ctx);
    out.trials_run = pr.finished;
    if (pr.packed) progress.message("qrsweep sweep: " + sweep_detail::describe_packed(*pr.packed));
    progress.close();
    if (pr.fatal) rethrow_with_resume_hint(pr.fatal, path, o);
  }
  store->add_wall_seconds(elapsed());

  auto stopped = [&](const std::string& what) {
    const int sig = StopSignals::pending();
    progress.close();
    std::fprintf(stderr,
                 "qrsweep sweep: stopped by %s %s: %d of %zu trials finished and stored in %s; "
                 "resume with: %s\n",
                 sweep_detail::signal_name(sig), what.c_str(),
                 store->count(TrialStatus::kDone) + store->count(TrialStatus::kDiverged) +
                     store->count(TrialStatus::kFailed),
                 plan.size(), path.c_str(), resume_command(o).c_str());
    out.exit_status = 128 + sig;
    return out;
  };
  if (StopSignals::pending()) return stopped("between steps");
  if (!whole_plan) {
    progress.message("qrsweep sweep: shard " + std::to_string(shard.index) + "/" +
                     std::to_string(shard.count) +
                     " finished; merge the shards to select and test the best trial");
    return out;
  }

  trials = store->trials();
  std::optional<TrialRecord> best = select_best(trials);
  if (!best)
    throw Error("no trial finished with a finite validation loss (" +
                std::to_string(store->count(TrialStatus::kDiverged)) + " diverged, " +
                std::to_string(store->count(TrialStatus::kFailed)) +
                " failed): nothing to test; see `qrsweep export " + o.out_dir + "`");
  progress.message("qrsweep sweep: best trial " + std::to_string(best->config.index) +
                   "; retraining it on all " + std::to_string(data->train.n) +
                   " training rows for " + std::to_string(best->max_val_accuracy_epoch) +
                   " epochs, then testing on " + std::to_string(data->test.n) + " rows");
  const auto tr = std::chrono::steady_clock::now();
  std::optional<TestRecord> test;
  try {
    test = retrain_and_test(*backend, *best, *data, space.data, o.out_dir, stop_requested);
  } catch (const Error&) {
    rethrow_with_resume_hint(std::current_exception(), path, o);
  }
  store->add_wall_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - tr).count());
  if (!test) return stopped("during the retraining of the best trial");
  store->put_test(*test);
  out.test = test;
  progress.close();
  print_summary(stdout, *best, *test);
  if (halving) std::printf("%s\n", halving::budget_line(space, trials).c_str());
  return out;
}

}  // namespace qrsweep
