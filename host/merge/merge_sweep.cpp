// merge_sweep (merge.h): read the stores, write the merged store and its tables, then
// select, retrain and test the best trial once the whole plan has finished.
#include <cstdio>
#include <filesystem>
#include <set>

#include "qrsweep/backend.h"
#include "qrsweep/common.h"
#include "qrsweep/merge.h"
#include "qrsweep/number_format.h"
#include "qrsweep/sweep.h"
#include "sweep/stop_signals.h"
#include "sweep/store_lock.h"

namespace qrsweep {

namespace {

namespace fs = std::filesystem;
using sweep_detail::StopSignals;

std::string canonical(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  return ec ? path : p.string();
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The shards that still have work, when the stores come from one shard count.
std::string shards_to_rerun(const std::vector<StoreContents>& stores, const CombinedSweep& c) {
  std::set<int> counts;
  for (const StoreContents& s : stores)
    if (s.sweep.identity.shard_count > 1) counts.insert(s.sweep.identity.shard_count);
  if (counts.size() != 1) return "";
  const int n = *counts.begin();
  std::set<int> shards;
  for (int i : c.unfinished) shards.insert(i % n);
  for (int i : c.missing) shards.insert(i % n);
  std::string s;
  for (int k : shards) s += (s.empty() ? "" : ",") + std::to_string(k);
  return s.empty() ? "" : s + " (of " + std::to_string(n) + ")";
}

}  // namespace

MergeResult merge_sweep(const MergeOptions& o) {
  auto say = [&](const std::string& line) {
    if (!o.quiet) std::fprintf(stderr, "qrsweep merge: %s\n", line.c_str());
  };
  auto warn = [](const std::string& line) {
    std::fprintf(stderr, "qrsweep merge: warning: %s\n", line.c_str());
  };
  if (o.threads < 0) throw ConfigError("--threads must be >= 1 (0: automatic)");
  check_backend_options(o.backend, o.tf32, o.cuda);
  // The inputs are checked before OUT and its lock file are created, so a merge that
  // cannot run leaves nothing behind; they are listed again under the lock below.
  merge_inputs(o);
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) throw Error("cannot create " + o.out_dir + ": " + ec.message());

  MergeResult r;
  r.store = store_path(o.out_dir);
  // One writer of OUT/store.sqlite at a time: a second merge, or a sweep resumed there.
  sweep_detail::StoreLock lock(r.store);
  r.sources = merge_inputs(o);
  std::vector<StoreContents> stores;
  for (const std::string& path : r.sources) stores.push_back(read_store_contents(path));
  const CombinedSweep c = combine_stores(stores);
  r.trials = static_cast<int>(c.plan.size());
  for (const auto& [index, t] : c.finished) {
    r.done += t.status == TrialStatus::kDone;
    r.diverged += t.status == TrialStatus::kDiverged;
    r.failed += t.status == TrialStatus::kFailed;
  }
  r.unfinished = c.unfinished;
  r.missing = c.missing;
  const bool complete = c.unfinished.empty() && c.missing.empty();

  std::vector<TrialRecord> finished;
  for (const auto& [index, t] : c.finished) finished.push_back(t);
  const std::optional<TrialRecord> best = select_best(finished);

  // The test of an earlier merge stays while its trial is still the best and its files
  // are still there: a second merge of the same shards retrains nothing.
  std::optional<TestRecord> kept;
  for (const StoreContents& s : stores)
    if (canonical(s.path) == canonical(r.store) && s.test && best &&
        s.test->trial == best->config.index &&
        file_exists(o.out_dir + "/" + s.test->weights_path) &&
        file_exists(o.out_dir + "/" + s.test->config_path))
      kept = s.test;
  write_merged_store(r.store, c, kept);
  r.test = kept;
  r.test_kept = kept.has_value();
  say("merged " + std::to_string(stores.size()) + " store(s) into " + r.store + ": " +
      std::to_string(c.finished.size()) + " of " + std::to_string(r.trials) + " trials finished (" +
      std::to_string(r.done) + " done, " + std::to_string(r.diverged) + " diverged, " +
      std::to_string(r.failed) + " failed)");
  for (const std::string& note : c.notes) warn(note);
  if (!c.unfinished.empty())
    warn(std::to_string(c.unfinished.size()) +
         " trial(s) not finished yet: " + format_indices(c.unfinished));
  if (!c.missing.empty())
    warn(std::to_string(c.missing.size()) + " trial(s) in no store: " + format_indices(c.missing));
  if (!complete) {
    const std::string shards = shards_to_rerun(stores, c);
    warn("run " + (shards.empty() ? std::string("the sweep") : "shard(s) " + shards) +
         " again (qrsweep sweep ... --shard i/n, or sbatch --array=i on the sweep's "
         "slurm/sweep.sbatch), then merge again; selection and test wait for every trial");
  }

  std::optional<StopSignals> signals;
  if (complete && o.run_test && best && !kept) {
    say("best trial " + std::to_string(best->config.index) + " (min val loss " +
        format_double(best->min_val_loss) + "); retraining it on every training row for " +
        std::to_string(best->max_val_accuracy_epoch) + " epochs, then testing");
    DataSplits data = load_data(c.space.data);
    // The test must be on the data the trials ran on: the files may have changed since.
    const std::string recorded = check_sweep_data(*Store::open(r.store), data_identity(data));
    if (!recorded.empty()) say(recorded);
    const std::string kind = resolve_backend(o.backend, o.tf32, o.cuda);
    BackendOptions bo;
    bo.threads = o.threads > 0 ? o.threads : 1;  // as the sweep's own retraining
    bo.tf32 = o.tf32 && kind == "cuda";
    bo.cuda = o.cuda;
    std::unique_ptr<Backend> backend = make_backend(kind, bo);
    signals.emplace();
    r.test = retrain_and_test(*backend, *best, data, c.space.data, o.out_dir,
                              [] { return StopSignals::pending() != 0; });
    if (r.test) {
      Store::open(r.store)->put_test(*r.test);
    } else {
      const int sig = StopSignals::pending();
      std::fprintf(stderr,
                   "qrsweep merge: stopped by %s during the retraining of trial %d; the "
                   "merged store is written; merge again to test the best trial\n",
                   sweep_detail::signal_name(sig), best->config.index);
      r.exit_status = 128 + sig;
    }
  } else if (complete && o.run_test && !best) {
    warn("no trial finished with a finite validation loss: nothing to retrain and test");
  }
  {
    std::unique_ptr<Store> merged = Store::open(r.store);
    r.tables = export_store(*merged, o.out_dir);
  }
  say("wrote " + r.tables.all_trials +
      (r.tables.best_trial.empty() ? std::string() : " and " + r.tables.best_trial));
  if (r.test && best) {
    if (r.test_kept) say("the best trial's test from the earlier merge is kept");
    print_summary(stdout, *best, *r.test);
  }
  if (r.exit_status == 0 && o.require_complete && !complete) {
    std::fprintf(stderr,
                 "qrsweep merge: error: --require-complete: %zu trial(s) unfinished, %zu "
                 "missing\n",
                 c.unfinished.size(), c.missing.size());
    r.exit_status = 1;
  }
  return r;
}

}  // namespace qrsweep
