// Successive halving's whole sweeps: decisions the same for any job count, in shards merged,
// on the device sessions and through the packed scheduler for any resident cap, after stops
// and kill -9 and resumes; and the report's rungs. The parts (schedule, rules, pause) are in
// test_halving.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "device/device_backend.h"
#include "qrsweep/common.h"
#include "qrsweep/export.h"
#include "qrsweep/merge.h"
#include "qrsweep/report.h"
#include "qrsweep/sampler.h"
#include "qrsweep/space.h"
#include "qrsweep/sweep.h"
#include "sweep/halving.h"
#include "sweep/pause_file.h"
#include "sweep/progress.h"
#include "sweep/trial_pool.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

// ---- whole sweeps ------------------------------------------------------------------------

constexpr const char* kHalvingSpace =
    "trials = 14\nseed = 3\nmax_epochs = 9\npatience = 3\n"
    "[layer_size]\nlow = 8\nhigh = 24\n"
    "[batch_size]\nlow = 16\nhigh = 64\n"
    "[schedule]\nkind = \"halving\"\nmin_epochs = 1\neta = 3\ncohort = 6\n";

class HalvingSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 900, 200, 12, 3);
    write_space("space.toml", kHalvingSpace);
  }
  void write_space(const std::string& name, const std::string& body) {
    test::write_file(dir_.file(name), test::tiny_space(dir_, body, 200, 3));
  }
  SweepOptions options(const std::string& out, int jobs) const {
    SweepOptions o;
    o.space_path = dir_.file("space.toml");
    o.out_dir = dir_.file(out);
    o.backend = "cpu";
    o.jobs = jobs;
    o.threads = 1;
    o.quiet = true;
    return o;
  }
  // The exported table without its Seconds column.
  std::string table(const std::string& out) const {
    const auto st = Store::open(store_path(dir_.file(out)), true);
    const SearchSpace space = stored_space(st->path(), st->sweep());
    Table t = trials_table(st->trials(), &space);
    std::string s;
    for (const auto& row : t.rows) {
      for (size_t c = 0; c < row.size(); ++c)
        if (t.columns[c] != "Seconds") s += row[c].text + ",";
      s += "\n";
    }
    return s;
  }
  // The sweep in `count` shards into OUT, then merged there.
  void run_shards_and_merge(const std::string& out, int count) const {
    for (int i = 0; i < count; ++i) {
      SweepOptions o = options(out, 2);
      o.shard = Shard{i, count};
      run_sweep(o);
    }
    MergeOptions m;
    m.out_dir = dir_.file(out);
    m.backend = "cpu";
    m.quiet = true;
    merge_sweep(m);
  }
  std::vector<std::string> epochs(const std::string& out) const {
    return test::dump_table(store_path(dir_.file(out)), "epochs", "trial, epoch",
                            test::wall_clock_columns());
  }
  test::TempDir dir_;
};

TEST_F(HalvingSweep, DecidesTheSameForOneAndTwoJobsAndTrainsPrefixesOfTheFullRuns) {
  run_sweep(options("one", 1));
  const SweepOutcome two = run_sweep(options("two", 2));
  EXPECT_TRUE(two.test);
  EXPECT_EQ(table("one"), table("two"));
  EXPECT_EQ(epochs("one"), epochs("two"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("two/paused/trial-0.bin")));

  const std::string t = table("two");
  EXPECT_NE(t.find("halved at rung 0"), std::string::npos) << t;
  EXPECT_NE(t.find("halved at rung 1"), std::string::npos) << t;

  // The same plan on the full schedule: every halving trial's epochs are the first epochs
  // of its uninterrupted run (the schedule does not change the plan).
  std::string full = kHalvingSpace;
  full = full.substr(0, full.find("[schedule]"));
  write_space("space.toml", full);
  run_sweep(options("full", 2));
  const auto st = Store::open(store_path(dir_.file("two")), true);
  const auto fs = Store::open(store_path(dir_.file("full")), true);
  int continued = 0;
  for (const TrialRecord& r : st->trials()) {
    const auto a = st->epochs(r.config.index), b = fs->epochs(r.config.index);
    ASSERT_LE(a.size(), b.size()) << r.config.index;
    if (a.size() > 1) ++continued;
    for (size_t e = 0; e < a.size(); ++e) {
      EXPECT_EQ(a[e].loss, b[e].loss) << r.config.index << " epoch " << e + 1;
      EXPECT_EQ(a[e].val_loss, b[e].val_loss) << r.config.index << " epoch " << e + 1;
      EXPECT_EQ(a[e].val_accuracy, b[e].val_accuracy) << r.config.index;
    }
  }
  EXPECT_GE(continued, 3);  // trials paused at a rung and continued were compared
}

TEST_F(HalvingSweep, ThreeShardsMergedEqualOneProcess) {
  run_sweep(options("one", 2));
  run_shards_and_merge("sharded", 3);
  EXPECT_EQ(table("one"), table("sharded"));
  EXPECT_EQ(epochs("one"), epochs("sharded"));
}

TEST_F(HalvingSweep, HyperbandDecidesTheSameForAnyJobsAndShards) {
  // Rungs 1, 3, then 9: brackets of 9, 6 and 3 trials (eta 3, R = 2), then again.
  std::string hb = kHalvingSpace;
  hb = hb.substr(0, hb.find("[schedule]")) + "[schedule]\nkind = \"hyperband\"\n";
  hb.replace(hb.find("trials = 14"), 11, "trials = 21");
  write_space("space.toml", hb);
  run_sweep(options("one", 1));
  run_sweep(options("two", 2));
  run_shards_and_merge("sharded", 2);
  EXPECT_EQ(table("one"), table("two"));
  EXPECT_EQ(epochs("one"), epochs("two"));
  EXPECT_EQ(table("one"), table("sharded"));
  const auto st = Store::open(store_path(dir_.file("one")), true);
  const auto rows = st->trials();
  ASSERT_EQ(rows.size(), 21u);
  // Bracket 0 (trials 0..8) halves from rung 0; bracket 1 (9..14) starts at 3 epochs, so
  // none of it is halved at rung 0; bracket 2 (15..17) halves nothing.
  int halved_b0 = 0, halved_b1 = 0;
  for (const TrialRecord& r : rows) {
    const bool halved = r.stop_reason.rfind("halved", 0) == 0;
    if (r.config.index < 9) halved_b0 += halved;
    if (r.config.index >= 9 && r.config.index < 15) {
      EXPECT_NE(r.stop_reason, "halved at rung 0") << r.config.index;
      halved_b1 += halved;
    }
    if (r.config.index >= 15 && r.config.index < 18) {
      EXPECT_FALSE(halved) << r.config.index;
    }
  }
  EXPECT_GT(halved_b0, 0);
  EXPECT_GT(halved_b1, 0);
}

TEST_F(HalvingSweep, AResumeWithAnotherScheduleIsRefused) {
  SweepOptions o = options("s", 2);
  o.trials = 3;
  // One SIGTERM: with two workers a second one, raised before the first is seen, would end
  // the process as a second Ctrl-C does (stop_signals.h).
  auto raised = std::make_shared<std::atomic<bool>>(false);
  o.after_epoch = [raised](const TrialConfig&, const EpochMetrics&) {
    if (!raised->exchange(true)) std::raise(SIGTERM);
  };
  run_sweep(o);
  std::string other = kHalvingSpace;
  other.replace(other.find("eta = 3"), 7, "eta = 2");
  write_space("space.toml", other);
  try {
    run_sweep(options("s", 2));
    FAIL() << "resumed with another schedule";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("schedule.eta: 3 -> 2"), std::string::npos) << e.what();
  }
}

// The halving pool over the CUDA backend's sessions, one trial at a time, or through its
// packed scheduler (here over the host reference executor): trials pause at rungs through
// the device's optimizer state and continue exactly; a stop and a resume continue the
// paused trials to the same table; the decisions are the CPU pool's, the losses within 1e-4.
struct DeviceHalving {
  SearchSpace space;
  DataSplits data;
  std::unique_ptr<Backend> backend =
      make_device_backend(make_reference_executor(), "host reference executor");
  std::function<void(const TrialConfig&, const EpochMetrics&)> after_epoch;
  explicit DeviceHalving(const std::string& space_file)
      : space(parse_space_file(space_file)), data(load_data(space.data)) {}
  // The pool over the store in DIR (made when missing), as run_sweep runs it for a resume:
  // over one device session at a time, or with `packed` through the packed scheduler with
  // at most `max_resident` trials resident (0: as many as fit).
  sweep_detail::PoolResult run(const std::string& dir, std::function<bool()> stop = nullptr,
                               bool packed = false, int max_resident = 0) {
    std::filesystem::create_directories(dir);
    auto store = open_sweep_store(store_path(dir), space, Shard{}, make_plan_rows(space, 0, 1),
                                  data_identity(data));
    std::vector<TrialRecord> trials = store->trials();
    sweep_detail::tidy_paused(dir, trials);
    store->reset_unfinished();
    sweep_detail::Progress progress(sweep_detail::Progress::Mode::kQuiet, stderr,
                                    static_cast<int>(trials.size()), 0, 0.0);
    sweep_detail::PoolContext ctx;
    ctx.store = store.get();
    ctx.backend = backend.get();
    ctx.fit = data.fit();
    ctx.val = data.val();
    ctx.jobs = 1;
    ctx.progress = &progress;
    ctx.stop_requested = std::move(stop);
    ctx.sweep_dir = dir;
    ctx.max_resident = max_resident;
    ctx.after_epoch = after_epoch;
    return packed ? sweep_detail::run_packed_halving_trials(trials, space, ctx)
                  : sweep_detail::run_halving_trials(trials, space, ctx);
  }
};

TEST_F(HalvingSweep, OnTheDeviceSessionsTrialsPauseAndContinueExactly) {
  DeviceHalving dev(dir_.file("space.toml"));
  const sweep_detail::PoolResult r = dev.run(dir_.file("dev"));
  ASSERT_FALSE(r.fatal);
  EXPECT_EQ(r.finished, 14);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("dev/paused/trial-0.bin")));
  const auto st = Store::open(store_path(dir_.file("dev")), true);
  const std::string t = table("dev");
  EXPECT_NE(t.find("halved at rung 1"), std::string::npos) << t;

  // Each trial's epochs are the first epochs of its uninterrupted run on the same backend.
  int continued = 0;
  for (const TrialRecord& rec : st->trials()) {
    const auto a = st->epochs(rec.config.index);
    auto session = dev.backend->open(rec.config, dev.data.fit());
    const TrialResult whole =
        train_trial(*session, rec.config, dev.data.fit(), dev.data.val(), TrainOptions{});
    ASSERT_LE(a.size(), whole.history.size()) << rec.config.index;
    if (a.size() > 1) ++continued;
    for (size_t e = 0; e < a.size(); ++e) {
      EXPECT_EQ(a[e].loss, whole.history[e].loss) << rec.config.index << " epoch " << e + 1;
      EXPECT_EQ(a[e].val_loss, whole.history[e].val_loss) << rec.config.index;
      EXPECT_EQ(a[e].val_accuracy, whole.history[e].val_accuracy) << rec.config.index;
    }
  }
  EXPECT_GE(continued, 3);

  // Stopped partway (paused trials on disk), then resumed: the same table, epoch for epoch.
  int polls = 0;
  const sweep_detail::PoolResult cut = dev.run(dir_.file("cut"), [&] { return ++polls > 400; });
  ASSERT_FALSE(cut.fatal);
  EXPECT_LT(cut.finished, 14);
  ASSERT_FALSE(dev.run(dir_.file("cut")).fatal);
  EXPECT_EQ(table("dev"), table("cut"));
  EXPECT_EQ(epochs("dev"), epochs("cut"));

  // The CPU pool decides the same (stop reasons, epochs run) with losses within 1e-4.
  run_sweep(options("cpu", 2));
  const auto cs = Store::open(store_path(dir_.file("cpu")), true);
  const auto dt = st->trials(), ct = cs->trials();
  ASSERT_EQ(dt.size(), ct.size());
  for (size_t i = 0; i < dt.size(); ++i) {
    EXPECT_EQ(dt[i].stop_reason, ct[i].stop_reason) << i;
    const auto a = st->epochs(dt[i].config.index), b = cs->epochs(ct[i].config.index);
    ASSERT_EQ(a.size(), b.size()) << i;
    for (size_t e = 0; e < a.size(); ++e)
      EXPECT_NEAR(a[e].val_loss, b[e].val_loss, 1e-4 * std::abs(b[e].val_loss)) << i;
  }
}

// The packed scheduler pauses pieces at their rungs (their state read back from their one
// allocation), refills their room and continues them later: on the reference executor the
// table and every epoch equal the device sessions' one trial at a time (which equal an
// uninterrupted run's first epochs, above) for any resident cap, and after stops and resumes.
TEST_F(HalvingSweep, PackedOnTheReferenceExecutorEqualsTheSessionsForAnyResidentCap) {
  DeviceHalving dev(dir_.file("space.toml"));
  ASSERT_FALSE(dev.run(dir_.file("sessions")).fatal);
  const std::string want = table("sessions");
  EXPECT_NE(want.find("halved at rung 1"), std::string::npos) << want;
  for (int cap : {0, 1, 4}) {
    const std::string out = "packed" + std::to_string(cap);
    const sweep_detail::PoolResult r = dev.run(dir_.file(out), nullptr, true, cap);
    ASSERT_FALSE(r.fatal) << "cap " << cap;
    EXPECT_EQ(r.finished, 14) << "cap " << cap;
    ASSERT_TRUE(r.packed) << "cap " << cap;
    if (cap > 0) {
      EXPECT_LE(r.packed->peak_resident, cap);
    } else {
      EXPECT_GE(r.packed->peak_resident, 6);  // a whole cohort's first rung at once
    }
    EXPECT_EQ(table(out), want) << "cap " << cap;
    EXPECT_EQ(epochs(out), epochs("sessions")) << "cap " << cap;
    EXPECT_TRUE(std::filesystem::is_empty(dir_.file(out + "/paused"))) << "cap " << cap;
  }
  // Stopped at several moments (paused trials on disk, resident pieces requeued), each time
  // resumed packed: the same table, epoch for epoch.
  int polls = 0, stops = 0;
  for (int limit : {5, 40, 120}) {
    polls = 0;
    const sweep_detail::PoolResult cut =
        dev.run(dir_.file("cut"), [&] { return ++polls > limit; }, true, 3);
    ASSERT_FALSE(cut.fatal);
    stops += cut.requeued > 0;
  }
  EXPECT_GE(stops, 2);
  // The last resume continues the paused trials from their files: each one's first epoch
  // trained is the one after its pause.
  std::map<int, int> paused, first_epoch;
  for (const auto& f : std::filesystem::directory_iterator(dir_.file("cut/paused"))) {
    if (f.path().extension() != ".bin") continue;
    const int index = std::stoi(f.path().filename().string().substr(6));  // trial-<i>.bin
    std::string problem;
    const auto p = sweep_detail::read_paused(
        dir_.file("cut"), index, make_plan_rows(dev.space, 0, 1)[index].widths(12, 3), &problem);
    ASSERT_TRUE(p) << index << ": " << problem;
    paused[index] = static_cast<int>(p->so_far.history.size());
  }
  EXPECT_FALSE(paused.empty());
  dev.after_epoch = [&](const TrialConfig& c, const EpochMetrics& m) {
    first_epoch.emplace(c.index, m.epoch);
  };
  ASSERT_FALSE(dev.run(dir_.file("cut"), nullptr, true, 3).fatal);
  for (const auto& [index, at] : paused)
    if (first_epoch.count(index)) {
      EXPECT_EQ(first_epoch[index], at + 1) << "trial " << index;
    }
  EXPECT_EQ(table("cut"), want);
  EXPECT_EQ(epochs("cut"), epochs("sessions"));
}

// A piece that cannot continue fails its own trial, not the run: an optimizer state of
// another size is refused before anything is allocated; its epochs so far stay with it.
TEST(PackedPieces, AWrongSizedPausedStateFailsThatTrialOnly) {
  test::TempDir dir;
  test::write_noisy_csv(dir, 300, 100, 12, 3);
  test::write_file(dir.file("space.toml"),
                   test::tiny_space(dir,
                                    "trials = 2\nseed = 1\nmax_epochs = 3\n"
                                    "[layer_size]\nlow = 8\nhigh = 24\n",
                                    100, 3));
  const SearchSpace space = parse_space_file(dir.file("space.toml"));
  const DataSplits data = load_data(space.data);
  auto backend = make_device_backend(make_reference_executor(), "host reference executor");
  const std::vector<TrialConfig> plan = make_plan_rows(space, 0, 1);
  auto session = backend->open(plan[0], data.fit());
  std::vector<PackedPiece> pieces(2);
  for (int i = 0; i < 2; ++i) pieces[i].config = plan[i];
  auto done = std::make_shared<TrialResult>();
  done->history.resize(1);
  done->history[0].epoch = 1;
  pieces[0].so_far = done;
  pieces[0].weights = session->weights();
  pieces[0].optimizer = session->optimizer_state();
  pieces[0].optimizer.pop_back();
  std::map<int, std::string> errors;
  std::map<int, size_t> epochs;
  size_t next = 0;
  PackedOptions opt;
  opt.next_piece = [&]() -> std::optional<PackedPiece> {
    if (next >= pieces.size()) return std::nullopt;
    return pieces[next++];
  };
  opt.on_finish = [&](const TrialConfig& c, const TrialResult& r, const std::string& e) {
    errors[c.index] = e;
    epochs[c.index] = r.history.size();
  };
  backend->packed()->run({}, data.fit(), data.val(), opt);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("an optimizer state of"), std::string::npos) << errors[0];
  EXPECT_EQ(epochs[0], 1u);
  EXPECT_EQ(errors[1], "");
  EXPECT_EQ(epochs[1], 3u);
}

TEST_F(HalvingSweep, KillNineAtRandomMomentsThenAResumeContinuesPausedTrials) {
  SweepOptions straight = options("straight", 2);
  straight.trials = 30;
  run_sweep(straight);
  // kill -9 once some trial is paused at a rung, then again once more trials finished.
  const std::string out = dir_.file("killed");
  std::vector<std::string> args = {"sweep",  "--space",   dir_.file("space.toml"),
                                   "--out",  out,         "--trials",
                                   "30",     "--backend", "cpu",
                                   "--jobs", "2",         "--quiet"};
  ASSERT_TRUE(test::kill_nine_while_paused(args, out, dir_.file("log"), 2));
  // The paused trials as the kills left them: the resume must not train those epochs again.
  std::map<int, int> paused;
  for (const auto& f : std::filesystem::directory_iterator(out + "/paused")) {
    const std::string name = f.path().filename().string();                         // trial-<i>.bin
    if (name.rfind("trial-", 0) != 0 || f.path().extension() != ".bin") continue;  // a .tmp
    const int index = std::stoi(name.substr(6));
    const auto st = Store::open(store_path(out), true);
    const auto rec = st->trial(index);
    ASSERT_TRUE(rec);
    std::string problem;
    const auto p = sweep_detail::read_paused(out, index, rec->config.widths(12, 3), &problem);
    ASSERT_TRUE(p) << problem;
    paused[index] = static_cast<int>(p->so_far.history.size());
  }
  ASSERT_FALSE(paused.empty());
  // A temporary file a kill left while writing a paused trial's file goes on resume.
  const std::string stale = sweep_detail::paused_path(out, paused.begin()->first) + ".tmp.1.0";
  test::write_file(stale, "partial");
  SweepOptions resume = options("killed", 2);
  resume.trials = 30;
  std::mutex mu;
  std::map<int, int> first_epoch;  // the first epoch each trial trained in the resume
  resume.after_epoch = [&](const TrialConfig& c, const EpochMetrics& m) {
    std::lock_guard<std::mutex> lock(mu);
    if (!first_epoch.count(c.index)) first_epoch[c.index] = m.epoch;
  };
  run_sweep(resume);
  for (const auto& [index, at] : paused)
    if (first_epoch.count(index)) {
      EXPECT_EQ(first_epoch[index], at + 1) << "trial " << index;
    }
  EXPECT_EQ(table("straight"), table("killed"));
  EXPECT_EQ(epochs("straight"), epochs("killed"));
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::is_empty(out + "/paused"));
}


int occurrences(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST_F(HalvingSweep, TheReportMarksTheRungsAndTheBudgetPerRungAndAFullSweepsHasNone) {
  run_sweep(options("halving", 2));
  ReportOptions ro;
  ro.target = dir_.file("halving");
  const std::string html = test::read_file(write_report(ro).html);
  const size_t fig = html.find("id=\"fig-rungs\"");
  ASSERT_NE(fig, std::string::npos);
  const std::string figure = html.substr(fig, html.find("</figure>", fig) - fig);
  EXPECT_EQ(occurrences(figure, "mk-rung"), 2);  // rungs 1 and 3 (9 is max_epochs)
  EXPECT_NE(figure.find("halved at rung 0 ("), std::string::npos);
  EXPECT_NE(figure.find("halved at rung 1 ("), std::string::npos);
  EXPECT_NE(figure.find("not halved ("), std::string::npos);

  // The budget: the CLI summary's words, and per rung the epochs trained inside it,
  // which add up to the trials' epochs.
  const auto st = Store::open(store_path(dir_.file("halving")), true);
  const SearchSpace space = stored_space(st->path(), st->sweep());
  const std::vector<TrialRecord> rows = st->trials();
  long long run = 0;
  for (const TrialRecord& r : rows) run += r.epochs_run;
  ASSERT_LT(run, 14 * 9);
  int halved = 0;
  for (const TrialRecord& r : rows) halved += r.stop_reason.rfind("halved at rung ", 0) == 0;
  EXPECT_EQ(occurrences(figure, "class=\"mk-dot"), halved);  // each halved trial ends in a dot
  EXPECT_NE(html.find(std::to_string(run) + " of at most 126 (halving schedule"),
            std::string::npos);
  ASSERT_NE(html.find("id=\"rung-budget\""), std::string::npos);
  long long per_rung = 0;
  for (int k = 0; k < 3; ++k) {
    const std::string tag = "data-rung=\"" + std::to_string(k) + "\" data-epochs-trained=\"";
    const size_t at = html.find(tag);
    ASSERT_NE(at, std::string::npos) << k;
    per_rung += std::stoll(html.substr(at + tag.size()));
  }
  EXPECT_EQ(per_rung, run);

  // The same plan on the full schedule: no rungs, no per-rung budget.
  std::string full = kHalvingSpace;
  write_space("space.toml", full.substr(0, full.find("[schedule]")));
  run_sweep(options("full", 2));
  ro.target = dir_.file("full");
  const std::string plain = test::read_file(write_report(ro).html);
  EXPECT_NE(plain.find("id=\"fig-curves\""), std::string::npos);
  EXPECT_EQ(plain.find("fig-rungs"), std::string::npos);
  EXPECT_EQ(plain.find("mk-rung"), std::string::npos);
  EXPECT_EQ(plain.find("rung-budget"), std::string::npos);
  EXPECT_EQ(plain.find("of at most"), std::string::npos);
}

}  // namespace
}  // namespace qrsweep
