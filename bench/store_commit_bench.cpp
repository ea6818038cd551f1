// Store benchmark: what the results store costs a sweep when each fsync takes 0, 2 or 20 ms
// on top of the disk's own (the test VFS "slow", tests/support/slow_vfs.h, sleeps in every
// xSync: a cluster file system's latency on a local disk), before and after group commit.
//
//   1. Epoch rows committed per second through the same Store API: one transaction per row
//      (Store::add_epoch in a loop, the old way) against the sweep's writer (StoreQueue,
//      many rows per transaction), rows posted as fast as it takes them.
//   2. The notebook's scale: 9,000 epoch rows and 600 trial writes (300 trials started and
//      finished) through the writer; per row, the same count at the measured per-row rate.
//   3. The wall time of a sweep of many tiny trials (the CPU pool, 2 jobs) with its store at
//      each latency, per row (the writer with batches of one: one transaction per write, as
//      before) and grouped (the sweep's default), against the same sweep whose syncs return
//      at once without touching the disk (the store's CPU work stays in the baseline); each
//      measured run between two baseline runs, the overhead against their mean.
//
// Prints Markdown: medians over the repeats with min-max (or min to max).
//   qrsweep_bench_store [--dir DIR] [--trials N] [--repeats R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "qrsweep/backend.h"
#include "qrsweep/sampler.h"
#include "qrsweep/store.h"
#include "qrsweep/sweep.h"
#include "support/slow_vfs.h"
#include "support/test_support.h"
#include "sweep/progress.h"
#include "sweep/store_queue.h"
#include "sweep/trial_pool.h"

namespace qrsweep::bench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

struct Args {
  std::string dir = ".";  // where the stores go: the disk being measured
  int trials = 300;
  int repeats = 3;
};

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The slow VFS at `ms` per sync; ms < 0: syncs return at once and skip the disk.
void set_latency(int ms) {
  test::set_slow_vfs_sync(ms >= 0);
  test::set_slow_vfs_delay(milliseconds(std::max(ms, 0)));
}

struct Sweep {
  SearchSpace space;
  std::vector<TrialConfig> plan;
  DataSplits data;
  explicit Sweep(int trials) {
    space.trials = trials;
    space.seed = 9;
    space.layer_size = Range{8, 24, Scale::kLinear};
    space.batch_size = Range{32, 96, Scale::kLinear};
    space.learning_rate = Range{0.005, 0.02, Scale::kLinear};
    space.max_epochs = 6;
    space.patience = 3;
    plan = make_plan_rows(space, 0, 1);
    data.train = test::synthetic_dataset(1200, 16, 4, 3u);
    data.validation = 300;
  }
};

class Scratch {
 public:
  explicit Scratch(const std::string& dir) : path_(dir + "/qrsweep-store-bench") {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Scratch() { fs::remove_all(path_); }
  std::string fresh(const std::string& name) {
    const std::string p = path_ + "/" + name + "-" + std::to_string(n_++) + ".sqlite";
    for (const char* s : {"", "-wal", "-shm"}) fs::remove(p + s);
    return p;
  }

 private:
  std::string path_;
  int n_ = 0;
};

EpochMetrics metrics(int epoch) {
  EpochMetrics m;
  m.epoch = epoch;
  m.loss = 1.0 / epoch;
  m.accuracy = 0.5;
  m.val_loss = 1.1 / epoch;
  m.val_accuracy = 0.45;
  m.seconds = 0.01;
  return m;
}

// Epoch rows per second, one transaction per row, for about `budget` seconds.
double per_row_rate(Store& store, int trials, double budget) {
  int rows = 0;
  const auto t0 = Clock::now();
  for (int t = 0; t < trials && since(t0) < budget; ++t)
    for (int e = 1; e <= 30 && since(t0) < budget; ++e, ++rows) store.add_epoch(t, metrics(e));
  return rows / since(t0);
}

// Epoch rows per second through the sweep's writer, posted as fast as it takes them.
double grouped_rate(Store& store, int trials, int rows) {
  const auto t0 = Clock::now();
  {
    sweep_detail::StoreQueue q(store);
    for (int i = 0; i < rows; ++i)
      q.post(TrialWrite::epoch_row(i % trials, metrics(1 + i / trials)));
    if (q.drain()) throw Error("the benchmark's commits failed");
  }
  return rows / since(t0);
}

// 300 trials started, 30 epoch rows each, finished: seconds through the writer.
double notebook_scale(Store& store, const std::vector<TrialConfig>& plan) {
  const auto t0 = Clock::now();
  sweep_detail::StoreQueue q(store);
  for (int t = 0; t < 300; ++t) {
    q.post(TrialWrite::start(t, "cpu"));
    for (int e = 1; e <= 30; ++e) q.post(TrialWrite::epoch_row(t, metrics(e)));
    TrialRecord r;
    r.config = plan[static_cast<size_t>(t)];
    r.status = TrialStatus::kDone;
    r.epochs_run = 30;
    q.post(TrialWrite::finish(r));
  }
  if (q.drain()) throw Error("the benchmark's commits failed");
  return since(t0);
}

// The sweep's wall time; `wait`: the part spent waiting for the store's last commits.
double run_sweep_once(const Sweep& sw, Scratch& scratch, sweep_detail::CommitPolicy policy,
                      double* wait = nullptr) {
  auto store = open_sweep_store(scratch.fresh("sweep"), sw.space, Shard{}, sw.plan);
  BackendOptions bo;
  bo.threads = 1;
  auto backend = make_backend("cpu", bo);
  sweep_detail::Progress quiet(sweep_detail::Progress::Mode::kQuiet, stderr, sw.space.trials, 0,
                               0.0);
  sweep_detail::PoolContext ctx;
  ctx.store = store.get();
  ctx.backend = backend.get();
  ctx.fit = sw.data.fit();
  ctx.val = sw.data.val();
  ctx.jobs = 2;
  ctx.progress = &quiet;
  ctx.commits = policy;
  const auto t0 = Clock::now();
  sweep_detail::PoolResult r = sweep_detail::run_trials(sw.plan, ctx);
  const double s = since(t0);
  if (r.fatal || r.finished != sw.space.trials) throw Error("the benchmark's sweep failed");
  if (wait) *wait = r.store_wait_seconds;
  return s;
}

struct Spread {
  double median, lo, hi;
};
Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

int run(const Args& a) {
  test::register_slow_vfs();
  ::setenv("QRSWEEP_SQLITE_VFS", test::kSlowVfs, 1);
  Scratch scratch(a.dir);
  Sweep sw(a.trials);
  const std::vector<int> latencies = {0, 2, 20};

  std::printf("## Epoch rows committed per second (store in %s)\n\n", a.dir.c_str());
  std::printf(
      "| added per fsync | one transaction per row | group commit | 9,000 epoch rows + "
      "600 trial writes, grouped | the same, one transaction each (from the rate) |\n");
  std::printf("| --- | --- | --- | --- | --- |\n");
  for (int ms : latencies) {
    set_latency(ms);
    auto s1 = open_sweep_store(scratch.fresh("rows"), sw.space, Shard{}, sw.plan);
    const double slow = per_row_rate(*s1, a.trials, 2.0);
    auto s2 = open_sweep_store(scratch.fresh("rows"), sw.space, Shard{}, sw.plan);
    const double fast = grouped_rate(*s2, a.trials, 50000);
    Sweep big(300);
    auto s3 = open_sweep_store(scratch.fresh("notebook"), big.space, Shard{}, big.plan);
    const double nb = notebook_scale(*s3, big.plan);
    std::printf("| %d ms | %.0f rows/s | %.0f rows/s | %.2f s | %.0f s |\n", ms, slow, fast, nb,
                9600 / slow);
    std::fflush(stdout);
  }

  std::printf("\n## A sweep of %d tiny trials (CPU, 2 jobs), %d repeats\n\n", a.trials, a.repeats);
  // Each measured run is bracketed by two baseline runs and compared with their mean, so a
  // machine whose load drifts (other builds) skews the ratio less than the times.
  const sweep_detail::CommitPolicy grouped;  // the sweep's default
  const sweep_detail::CommitPolicy per_row{milliseconds(0), 1};
  auto timed = [&](int ms, sweep_detail::CommitPolicy policy, double* wait = nullptr) {
    set_latency(ms);
    return run_sweep_once(sw, scratch, policy, wait);
  };
  // The overhead against the baseline runs around it; `wait_share`: the final wait for the
  // store as a share of the run's wall time (what the store adds, measured from inside).
  auto overhead = [&](int ms, sweep_detail::CommitPolicy policy, double* wall, double* wait_share) {
    const double b1 = timed(-1, grouped);
    double wait = 0;
    *wall = timed(ms, policy, &wait);
    *wait_share = wait / *wall;
    const double b2 = timed(-1, grouped);
    return *wall / (0.5 * (b1 + b2)) - 1.0;
  };
  std::printf(
      "| added per fsync | one transaction per write: wall | store overhead | group "
      "commit: wall | store overhead | final wait for the store |\n"
      "| --- | --- | --- | --- | --- | --- |\n");
  for (int ms : latencies) {
    std::vector<double> wb, ob, wa, oa, sa;
    for (int r = 0; r < a.repeats; ++r) {
      double w = 0, share = 0;
      ob.push_back(overhead(ms, per_row, &w, &share));
      wb.push_back(w);
      oa.push_back(overhead(ms, grouped, &w, &share));
      wa.push_back(w);
      sa.push_back(share);
    }
    const Spread tb = spread(wb), pb = spread(ob), ta = spread(wa), pa = spread(oa),
                 qa = spread(sa);
    std::printf(
        "| %d ms | %.2f s (%.2f-%.2f) | %+.0f%% (%+.0f%% to %+.0f%%) | %.2f s (%.2f-%.2f) "
        "| %+.1f%% (%+.1f%% to %+.1f%%) | %.2f%% (%.2f%%-%.2f%%) |\n",
        ms, tb.median, tb.lo, tb.hi, 100 * pb.median, 100 * pb.lo, 100 * pb.hi, ta.median, ta.lo,
        ta.hi, 100 * pa.median, 100 * pa.lo, 100 * pa.hi, 100 * qa.median, 100 * qa.lo,
        100 * qa.hi);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace qrsweep::bench

int main(int argc, char** argv) {
  qrsweep::bench::Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "usage: %s [--dir DIR] [--trials N] [--repeats R]\n", argv[0]);
      return 2;
    }
    const char* v = argv[++i];
    if (k == "--dir") {
      a.dir = v;
    } else if (k == "--trials") {
      a.trials = std::atoi(v);
    } else if (k == "--repeats") {
      a.repeats = std::atoi(v);
    } else {
      std::fprintf(stderr, "%s: unknown option %s\n", argv[0], k.c_str());
      return 2;
    }
  }
  if (a.trials < 1 || a.repeats < 1) {
    std::fprintf(stderr, "%s: --trials and --repeats must be >= 1\n", argv[0]);
    return 2;
  }
  try {
    return qrsweep::bench::run(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
}
