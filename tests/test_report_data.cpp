// `qrsweep report` on stores in every state a sweep can leave (partial, empty, NaN, shards,
// a live writer), without a browser; and the store is never written by a report.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "qrsweep/common.h"
#include "qrsweep/report.h"
#include "report/figures.h"
#include "report/store_fixture.h"
#include "report/sweep_data.h"
#include "report/sweep_facts.h"
#include "support/test_support.h"

namespace qrsweep {
namespace {

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// The inline SVG of figure `id` in a report page.
std::string figure_of(const std::string& html, const std::string& id) {
  const size_t begin = html.find("<figure class=\"plot\" id=\"fig-" + id + "\"");
  if (begin == std::string::npos) return "";
  return html.substr(begin, html.find("</figure>", begin) - begin);
}

int marks(const std::string& figure) { return count(figure, "class=\"mk-"); }

const char* const kFigures[] = {"coverage",   "balance", "hyperparameters",
                                "categories", "curves",  "progress"};
const char* const kResultFigures[] = {"hyperparameters", "categories", "curves", "progress"};

// Whether any figure's SVG has a coordinate or path point spelled as a non-finite number.
bool plots_have_non_finite_number(const std::string& html) {
  static const std::regex re(R"((="|[ ML])-?(nan|inf)\b)", std::regex::icase);
  for (const char* id : kFigures)
    if (std::regex_search(figure_of(html, id), re)) return true;
  return false;
}

class ReportData : public ::testing::Test {
 protected:
  std::string write(const std::string& target) {
    ReportOptions o;
    o.target = target;
    result_ = write_report(o);
    return test::read_file(result_.html);
  }
  test::TempDir dir_;
  ReportResult result_;
};

// 8 trials: 3 done, 1 diverged after a finite epoch, 1 failed, 1 running, 2 queued.
TEST_F(ReportData, PartialSweepShowsEveryStateAndNeverDrawsNaN) {
  const SearchSpace space = test::fixture_space(8);
  auto store = test::create_fixture_store(store_path(dir_.path()), space);
  test::record_trial(*store, 0, {0.9, 0.6, 0.5}, TrialStatus::kDone);
  test::record_trial(*store, 1, {0.8, 0.7, 0.75}, TrialStatus::kDone);
  test::record_trial(*store, 2, {1.2, 0.4, 0.45}, TrialStatus::kDone);
  test::record_trial(*store, 3, {0.95, NAN}, TrialStatus::kDiverged);
  test::record_trial(*store, 4, {}, TrialStatus::kFailed, "out of memory <boom>");
  test::record_trial(*store, 5, {1.0, 0.9}, TrialStatus::kRunning);
  store.reset();

  const std::string html = write(dir_.path());
  EXPECT_EQ(result_.trials, 8);
  EXPECT_EQ(result_.finished, 5);
  EXPECT_EQ(count(html, "<tr data-status="), 8);
  EXPECT_EQ(count(html, "<tr data-status=\"running\""), 1);
  EXPECT_EQ(count(html, "<tr data-status=\"queued\""), 2);
  EXPECT_NE(html.find("out of memory &lt;boom&gt;"), std::string::npos);  // escaped
  EXPECT_NE(html.find("<td class=\"n nan\" data-v=\"\">NaN</td>"), std::string::npos);
  EXPECT_NE(html.find("still running or was interrupted"), std::string::npos);
  EXPECT_NE(html.find("no test result yet"), std::string::npos);
  // The best trial is the lowest done min val loss: trial 2 (0.4).
  EXPECT_NE(html.find("<tr data-status=\"done\" class=\"best\"><td class=\"n\" data-v=\"2\">"),
            std::string::npos);
  EXPECT_FALSE(plots_have_non_finite_number(html));
  // Four trials have a finite min val loss (3 done + the diverged one): one dot each in
  // every hyperparameter panel.
  EXPECT_EQ(count(figure_of(html, "hyperparameters"), "class=\"mk-dot"), 5 * 4);
  // The 3 done trials' val curves, then the best trial's train and val curves.
  EXPECT_EQ(count(figure_of(html, "curves"), "class=\"mk-line"), 3 + 2);
  for (const char* id : kFigures) EXPECT_GT(marks(figure_of(html, id)), 0) << id;
}

TEST_F(ReportData, NoFinishedTrialSaysSoInsteadOfDrawingEmptyAxes) {
  auto store = test::create_fixture_store(store_path(dir_.path()), test::fixture_space(5));
  test::record_trial(*store, 1, {0.9}, TrialStatus::kRunning);
  test::record_trial(*store, 2, {NAN}, TrialStatus::kDiverged);  // nothing finite to plot
  store.reset();
  const std::string html = write(dir_.path());
  EXPECT_EQ(count(html, "<tr data-status="), 5);
  EXPECT_FALSE(plots_have_non_finite_number(html));
  for (const char* id : kResultFigures) {
    const std::string f = figure_of(html, id);
    ASSERT_FALSE(f.empty()) << id;
    EXPECT_EQ(marks(f), 0) << id;
    EXPECT_EQ(count(f, "class=\"tl\""), 0) << id << ": no tick labels on empty axes";
    EXPECT_NE(f.find("no finished trial"), std::string::npos) << id;
  }
  // The plan is there from the start, so coverage and balance still draw.
  EXPECT_GT(marks(figure_of(html, "coverage")), 0);
  EXPECT_GT(marks(figure_of(html, "balance")), 0);
  EXPECT_NE(html.find("No best trial yet"), std::string::npos);
}

TEST_F(ReportData, TheReportNeverWritesToTheStore) {
  auto store = test::create_fixture_store(store_path(dir_.path()), test::fixture_space(4));
  test::record_trial(*store, 0, {0.5, 0.4}, TrialStatus::kDone);
  store.reset();
  const std::string before = test::read_file(store_path(dir_.path()));
  write(dir_.path());
  write(dir_.path());
  EXPECT_EQ(test::read_file(store_path(dir_.path())), before);
}

TEST_F(ReportData, ReadsAStoreWhileItsWriterGoesOn) {
  auto store = test::create_fixture_store(store_path(dir_.path()), test::fixture_space(4));
  test::record_trial(*store, 0, {0.5, 0.4}, TrialStatus::kDone);
  test::record_trial(*store, 1, {0.7}, TrialStatus::kRunning);
  // The writer's connection stays open, as a running sweep's does.
  std::string html = write(dir_.path());
  EXPECT_EQ(result_.finished, 1);
  EXPECT_EQ(count(html, "<tr data-status=\"running\""), 1);
  // The reader left no lock behind: the writer goes on, and the next report sees it.
  EpochMetrics m;
  m.epoch = 2;
  m.val_loss = 0.6;
  store->add_epoch(1, m);
  test::record_trial(*store, 2, {0.3}, TrialStatus::kDone);
  html = write(dir_.path());
  EXPECT_EQ(result_.finished, 2);
  EXPECT_EQ(count(html, "<tr data-status=\"done\""), 2);
}

TEST_F(ReportData, ShardStoresAreReadTogetherAndMissingShardsNamed) {
  const SearchSpace space = test::fixture_space(7);
  for (int shard : {0, 2}) {
    auto s = test::create_fixture_store(shard_store_path(dir_.path(), shard, 3), space, shard, 3);
    test::record_trial(*s, shard, {0.5 + shard, 0.4 + shard}, TrialStatus::kDone);
  }
  const report::SweepData data = report::load_sweep_data(dir_.path());
  ASSERT_EQ(data.stores.size(), 2u);
  // Shard i of 3 holds the trials with index % 3 == i: 3 + 2 of the 7.
  ASSERT_EQ(data.trials.size(), 5u);
  for (size_t i = 1; i < data.trials.size(); ++i)
    EXPECT_LT(data.trials[i - 1].record.config.index, data.trials[i].record.config.index);
  for (const auto& t : data.trials) EXPECT_NE(t.record.config.index % 3, 1);
  bool named = false;
  for (const std::string& n : data.notes) named = named || n.find("1/3") != std::string::npos;
  EXPECT_TRUE(named) << "a note must name the missing shard 1/3";
  const std::string html = write(dir_.path());
  EXPECT_EQ(count(html, "<tr data-status="), 5);
  EXPECT_NE(html.find("1/3"), std::string::npos);
}

TEST_F(ReportData, AMergedStoreWinsOverTheShardsBesideIt) {
  const SearchSpace space = test::fixture_space(4);
  test::create_fixture_store(shard_store_path(dir_.path(), 0, 2), space, 0, 2);
  auto merged = test::create_fixture_store(store_path(dir_.path()), space);
  test::record_trial(*merged, 3, {0.2}, TrialStatus::kDone);
  merged.reset();
  const report::SweepData data = report::load_sweep_data(dir_.path());
  ASSERT_EQ(data.stores.size(), 1u);
  EXPECT_EQ(data.stores[0].path, store_path(dir_.path()));
  EXPECT_EQ(data.trials.size(), 4u);
  ASSERT_FALSE(data.notes.empty());
  EXPECT_NE(data.notes[0].find("not read"), std::string::npos);
}

TEST_F(ReportData, ShardsOfDifferentSweepsAreRefused) {
  test::create_fixture_store(shard_store_path(dir_.path(), 0, 2), test::fixture_space(4, 1), 0, 2);
  test::create_fixture_store(shard_store_path(dir_.path(), 1, 2), test::fixture_space(4, 2), 1, 2);
  // A ConfigError (exit 2) naming what differs, as a merge of the same shards.
  try {
    report::load_sweep_data(dir_.path());
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("seed: 1 -> 2"), std::string::npos) << e.what();
  }
}

TEST_F(ReportData, ADamagedShardStoreIsAnErrorNotAMissingShard) {
  test::create_fixture_store(shard_store_path(dir_.path(), 0, 2), test::fixture_space(4), 0, 2);
  const std::string damaged = shard_store_path(dir_.path(), 1, 2);
  test::write_file(damaged, std::string(8192, '\x5a'));
  try {
    report::load_sweep_data(dir_.path());
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(damaged), std::string::npos) << e.what();
  }
}

TEST_F(ReportData, NoStoreIsAnErrorNamingWhereItLooked) {
  try {
    write(dir_.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("store.sqlite"), std::string::npos) << e.what();
  }
}

TEST_F(ReportData, FinishOrderFollowsTheFinishTimes) {
  auto store = test::create_fixture_store(store_path(dir_.path()), test::fixture_space(4));
  for (int i : {2, 0, 3}) test::record_trial(*store, i, {0.5}, TrialStatus::kDone);
  store.reset();
  const report::SweepData data = report::load_sweep_data(dir_.path());
  ASSERT_TRUE(data.have_times);
  const report::SweepFacts facts = report::compute_facts(data);
  ASSERT_EQ(facts.by_finish.size(), 3u);
  // All three finished within a second or so; the order must still be a permutation of
  // the finished trials with non-decreasing finish times.
  for (size_t k = 1; k < facts.by_finish.size(); ++k)
    EXPECT_LE(data.trials[facts.by_finish[k - 1]].finished_s,
              data.trials[facts.by_finish[k]].finished_s);
  for (size_t i : facts.by_finish) EXPECT_TRUE(is_finished(data.trials[i].record.status));
}

TEST_F(ReportData, TrainingRowsComeFromStepsAndBatchSizes) {
  // 100 training rows: batch 8 -> 13 steps per epoch, batch 30 -> 4, batch 64 -> 2.
  report::SweepData data;
  for (int b : {8, 30, 64}) {
    report::ReportTrial t;
    t.record.status = TrialStatus::kDone;
    t.record.config.batch_size = b;
    t.record.epochs_run = 3;
    t.record.steps = 3 * ((100 + b - 1) / b);
    t.finished_s = NAN;
    data.trials.push_back(t);
  }
  const report::SweepFacts facts = report::compute_facts(data);
  ASSERT_TRUE(facts.training_rows);
  EXPECT_LE(facts.training_rows->first, 100);
  EXPECT_GE(facts.training_rows->second, 100);
  // 8 -> (96, 104], 30 -> (90, 120], 64 -> (64, 128]: 97..104.
  EXPECT_EQ(*facts.training_rows, std::make_pair(int64_t{97}, int64_t{104}));
}

}  // namespace
}  // namespace qrsweep
