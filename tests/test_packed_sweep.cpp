// The sweep's packed path (run_packed_trials) on the host reference executor: every epoch
// row and finished trial lands in the store exactly as the one-session pool stores them, and
// a stop requeues the resident trials with their rows removed, ready for a resume; a lost
// device or a failed commit loses nothing stored, and a resume trains what was not finished.
#include <gtest/gtest.h>

#include <cstdio>

#include "device/device_backend.h"
#include "qrsweep/sampler.h"
#include "qrsweep/sweep.h"
#include "qrsweep/trainer.h"
#include "support/fault_executor.h"
#include "support/test_support.h"
#include "sweep/progress.h"
#include "sweep/trial_pool.h"

namespace qrsweep::test {
namespace {

struct Fixture {
  TempDir dir;
  SearchSpace space;
  std::vector<TrialConfig> plan;
  DataSplits data;
  Fixture() {
    space.trials = 6;
    space.seed = 11;
    space.layer_size = Range{4, 16, Scale::kLinear};
    space.batch_size = Range{5, 60, Scale::kLinear};
    space.learning_rate = Range{0.005, 0.02, Scale::kLinear};
    space.max_epochs = 3;
    space.patience = 2;
    plan = make_plan_rows(space, 0, 1);
    data.train = synthetic_dataset(150, 10, 3, 5u);
    data.validation = 40;
  }
  std::unique_ptr<Store> store(const std::string& name) {
    return open_sweep_store(dir.file(name), space, Shard{}, plan);
  }
};

sweep_detail::PoolResult run(Fixture& f, Store& store, Backend& backend, bool packed,
                             std::function<bool()> stop = nullptr) {
  sweep_detail::Progress progress(sweep_detail::Progress::Mode::kQuiet, stderr, 6, 0, 0.0);
  sweep_detail::PoolContext ctx;
  ctx.store = &store;
  ctx.backend = &backend;
  ctx.fit = f.data.fit();
  ctx.val = f.data.val();
  ctx.jobs = 1;
  ctx.progress = &progress;
  ctx.stop_requested = std::move(stop);
  std::vector<TrialConfig> pending;
  for (const TrialRecord& t : store.trials())
    if (!is_finished(t.status)) pending.push_back(t.config);
  return packed ? sweep_detail::run_packed_trials(pending, ctx)
                : sweep_detail::run_trials(pending, ctx);
}

TEST(PackedSweep, StoresWhatThePoolStores) {
  Fixture f;
  auto backend = make_device_backend(make_reference_executor(), "reference");
  auto packed = f.store("packed.sqlite");
  auto pooled = f.store("pooled.sqlite");
  sweep_detail::PoolResult a = run(f, *packed, *backend, true);
  sweep_detail::PoolResult b = run(f, *pooled, *backend, false);
  ASSERT_FALSE(a.fatal);
  ASSERT_FALSE(b.fatal);
  EXPECT_EQ(a.finished, 6);
  EXPECT_EQ(b.finished, 6);
  ASSERT_TRUE(a.packed) << "the packed path reports its counters";
  EXPECT_FALSE(b.packed);
  EXPECT_EQ(a.packed->peak_resident, 6);
  EXPECT_GT(a.packed->rounds, 0);
  EXPECT_EQ(sweep_detail::describe_packed(*a.packed).rfind("packed scheduler: ", 0), 0u);
  PackedStats graphs;
  graphs.steps = 200;
  graphs.graph_replays = 150;
  graphs.graph_captures = 3;
  EXPECT_NE(sweep_detail::describe_packed(graphs).find("(75% replayed from 3 CUDA Graphs)"),
            std::string::npos);
  const auto ta = packed->trials(), tb = pooled->trials();
  ASSERT_EQ(ta.size(), tb.size());
  for (size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].status, tb[i].status) << i;
    EXPECT_EQ(ta[i].stop_reason, tb[i].stop_reason) << i;
    EXPECT_EQ(ta[i].epochs_run, tb[i].epochs_run) << i;
    EXPECT_EQ(ta[i].steps, tb[i].steps) << i;
    EXPECT_EQ(ta[i].min_val_loss, tb[i].min_val_loss) << i;
    EXPECT_EQ(ta[i].max_val_accuracy_epoch, tb[i].max_val_accuracy_epoch) << i;
    const auto ea = packed->epochs(ta[i].config.index), eb = pooled->epochs(tb[i].config.index);
    ASSERT_EQ(ea.size(), eb.size()) << i;
    for (size_t e = 0; e < ea.size(); ++e) {
      EXPECT_EQ(ea[e].loss, eb[e].loss);
      EXPECT_EQ(ea[e].val_loss, eb[e].val_loss);
      EXPECT_EQ(ea[e].val_accuracy, eb[e].val_accuracy);
    }
  }
}

TEST(PackedSweep, AStopRequeuesAndAResumeFinishesTheSame) {
  Fixture f;
  auto backend = make_device_backend(make_reference_executor(), "reference");
  auto whole = f.store("whole.sqlite");
  ASSERT_FALSE(run(f, *whole, *backend, true).fatal);
  auto store = f.store("stopped.sqlite");
  int polls = 0;
  sweep_detail::PoolResult a = run(f, *store, *backend, true, [&] { return ++polls > 8; });
  ASSERT_FALSE(a.fatal);
  EXPECT_GT(a.requeued, 0);
  EXPECT_EQ(a.finished + a.requeued, 6);
  for (const TrialRecord& t : store->trials()) {
    if (t.status == TrialStatus::kQueued) {
      EXPECT_TRUE(store->epochs(t.config.index).empty());
    }
  }
  store->reset_unfinished();
  sweep_detail::PoolResult b = run(f, *store, *backend, true);
  ASSERT_FALSE(b.fatal);
  EXPECT_EQ(b.finished, a.requeued);
  const auto ta = store->trials(), tb = whole->trials();
  for (size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].status, tb[i].status) << i;
    EXPECT_EQ(ta[i].min_val_loss, tb[i].min_val_loss) << i;
    EXPECT_EQ(ta[i].epochs_run, tb[i].epochs_run) << i;
  }
}

TEST(PackedSweep, AFailedCommitStopsTheRunAndLosesNothingStored) {
  Fixture f;
  auto backend = make_device_backend(make_reference_executor(), "reference");
  auto whole = f.store("whole.sqlite");
  ASSERT_FALSE(run(f, *whole, *backend, true).fatal);
  // The store's file system fills up after a few epochs: the commits behind the scheduler
  // start failing, and the run must stop rather than train on unrecorded.
  test::TmpfsMount mount(f.dir.file("mnt"), "size=2m");
  if (!mount.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << mount.why();
  const std::string path = f.dir.file("mnt/store.sqlite");
  {
    auto store = open_sweep_store(path, f.space, Shard{}, f.plan);
    int epochs = 0;
    sweep_detail::Progress progress(sweep_detail::Progress::Mode::kQuiet, stderr, 6, 0, 0.0);
    sweep_detail::PoolContext ctx;
    ctx.store = store.get();
    ctx.backend = backend.get();
    ctx.fit = f.data.fit();
    ctx.val = f.data.val();
    ctx.progress = &progress;
    ctx.after_epoch = [&](const TrialConfig&, const EpochMetrics&) {
      if (++epochs == 6) {
        const auto fill =
            test::run_command("dd if=/dev/zero of='" + f.dir.file("mnt/filler") + "' bs=4096 2>&1");
        EXPECT_NE(fill.output.find("No space left on device"), std::string::npos) << fill.output;
      }
    };
    sweep_detail::PoolResult a = sweep_detail::run_packed_trials(f.plan, ctx);
    ASSERT_TRUE(a.fatal) << "the failed commits must reach the caller";
    try {
      std::rethrow_exception(a.fatal);
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("full"), std::string::npos) << e.what();
    }
    EXPECT_LT(a.finished, 6);
  }
  ASSERT_EQ(std::remove(f.dir.file("mnt/filler").c_str()), 0);
  auto store = open_sweep_store(path, f.space, Shard{}, f.plan);
  const auto tw = whole->trials();
  int kept = 0;
  for (const TrialRecord& t : store->trials()) {
    if (!is_finished(t.status)) continue;
    ++kept;
    EXPECT_EQ(t.min_val_loss, tw[static_cast<size_t>(t.config.index)].min_val_loss);
    EXPECT_EQ(store->epochs(t.config.index).size(), whole->epochs(t.config.index).size());
  }
  EXPECT_LT(kept, 6);
  store->reset_unfinished();
  ASSERT_FALSE(run(f, *store, *backend, true).fatal);
  for (const TrialRecord& t : store->trials()) {
    EXPECT_EQ(t.status, tw[static_cast<size_t>(t.config.index)].status);
    EXPECT_EQ(t.min_val_loss, tw[static_cast<size_t>(t.config.index)].min_val_loss);
  }
}

TEST(PackedSweep, ALostDeviceLosesNothingStoredAndAResumeFinishes) {
  Fixture f;
  auto reference = make_device_backend(make_reference_executor(), "reference");
  auto whole = f.store("whole.sqlite");
  ASSERT_FALSE(run(f, *whole, *reference, true).fatal);
  // The device is lost at the 40th GEMM launch, with some trials finished and stored.
  auto lost = make_device_backend(
      std::make_shared<FaultExecutor>(make_reference_executor(), Fault::kBrokenDevice, 40),
      "reference");
  auto store = f.store("lost.sqlite");
  sweep_detail::PoolResult a = run(f, *store, *lost, true);
  ASSERT_TRUE(a.fatal);
  EXPECT_GT(a.finished, 0);
  int failed = 0, done = 0;
  const auto tw = whole->trials();
  for (const TrialRecord& t : store->trials()) {
    const TrialRecord& w = tw[static_cast<size_t>(t.config.index)];
    if (t.status == TrialStatus::kFailed) {
      ++failed;
      EXPECT_NE(t.error.find("device error during a packed round"), std::string::npos) << t.error;
    } else if (is_finished(t.status)) {
      ++done;
      EXPECT_EQ(t.min_val_loss, w.min_val_loss) << t.config.index;
      EXPECT_EQ(store->epochs(t.config.index).size(), whole->epochs(t.config.index).size());
    }
  }
  EXPECT_GT(failed, 0);
  EXPECT_EQ(done + failed, a.finished);
  store->reset_unfinished();
  sweep_detail::PoolResult b = run(f, *store, *reference, true);
  ASSERT_FALSE(b.fatal);
  EXPECT_EQ(a.finished + b.finished, 6);
  for (const TrialRecord& t : store->trials()) {
    EXPECT_TRUE(is_finished(t.status)) << t.config.index;
    if (t.status != TrialStatus::kFailed) {
      EXPECT_EQ(t.min_val_loss, tw[static_cast<size_t>(t.config.index)].min_val_loss);
    }
  }
}

}  // namespace
}  // namespace qrsweep::test
