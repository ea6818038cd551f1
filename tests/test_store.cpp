// The results store on its own: round trips (NaN and infinities included), resume
// bookkeeping, WAL + schema version, files it refuses untouched (garbage, foreign, newer),
// read-only opens that write nothing and still see what a writer committed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <thread>

#include "qrsweep/common.h"
#include "qrsweep/store.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

TrialConfig config(int index) {
  TrialConfig c;
  c.index = index;
  c.seed = 0x7fffffffffffff01ull;  // near the top of the TOML integer range
  c.structure = Structure::kAscendingMax;
  c.hidden_layers = 3;
  c.activation = Activation::kSigmoid;
  c.allow_dropout = true;
  c.allow_momentum = index % 2 == 0;
  c.sizes = {163, 325, 17 + index, 0, 0};
  c.dropout = {true, false, true, false, false};
  c.dropout_rate = {0.1725827321410179, 0.0, 0.3 + index * 1e-17, 0.0, 0.0};
  c.learning_rate = 0.0030597063601017003;
  c.momentum = 0.19803881645202637;
  c.batch_size = 544;
  c.max_epochs = 100;
  c.patience = 5;
  return c;
}

std::vector<TrialConfig> plan(int n) {
  std::vector<TrialConfig> p;
  for (int i = 0; i < n; ++i) p.push_back(config(i));
  return p;
}

SweepRecord sweep_record() {
  SweepRecord s;
  s.identity.space_toml = "trials = 4\nseed = 9\n";
  s.seed = 9;
  s.trials = 4;
  s.host = "h";
  s.machine = "m";
  s.backend = "cpu";
  s.device = "d";
  return s;
}

void expect_same_config(const TrialConfig& a, const TrialConfig& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.structure, b.structure);
  EXPECT_EQ(a.hidden_layers, b.hidden_layers);
  EXPECT_EQ(a.activation, b.activation);
  EXPECT_EQ(a.allow_dropout, b.allow_dropout);
  EXPECT_EQ(a.allow_momentum, b.allow_momentum);
  EXPECT_EQ(a.sizes, b.sizes);
  EXPECT_EQ(a.dropout, b.dropout);
  EXPECT_EQ(a.dropout_rate, b.dropout_rate);  // bit for bit: REAL is an IEEE double
  EXPECT_EQ(a.learning_rate, b.learning_rate);
  EXPECT_EQ(a.momentum, b.momentum);
  EXPECT_EQ(a.batch_size, b.batch_size);
  EXPECT_EQ(a.max_epochs, b.max_epochs);
  EXPECT_EQ(a.patience, b.patience);
}

EpochMetrics epoch(int e, double loss) {
  EpochMetrics m;
  m.epoch = e;
  m.loss = loss;
  m.accuracy = 0.5 + e * 0.01;
  m.val_loss = loss * 1.1;
  m.val_accuracy = 0.25 * e;
  m.seconds = 0.125;
  return m;
}

TEST(Store, CreatesEveryPlanRowQueuedAndReadsItBackExactly) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  EXPECT_FALSE(Store::exists(path));
  {
    auto s = Store::create(path, sweep_record(), plan(4));
    EXPECT_EQ(s->schema_version(), kStoreSchemaVersion);
  }
  EXPECT_TRUE(Store::exists(path));
  auto s = Store::open(path);
  SweepRecord r = s->sweep();
  EXPECT_EQ(r.identity.space_toml, "trials = 4\nseed = 9\n");
  EXPECT_EQ(r.identity.shard_index, 0);
  EXPECT_EQ(r.identity.shard_count, 1);
  EXPECT_EQ(r.seed, 9u);
  EXPECT_EQ(r.trials, 4);
  EXPECT_EQ(r.program_version, QRSWEEP_VERSION);
  EXPECT_EQ(r.created_at.size(), 24u) << r.created_at;  // 2024-01-02T03:04:05.678Z
  auto rows = s->trials();
  ASSERT_EQ(rows.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    expect_same_config(rows[i].config, config(i));
    EXPECT_EQ(rows[i].status, TrialStatus::kQueued);
    EXPECT_TRUE(std::isnan(rows[i].min_val_loss));
  }
  EXPECT_EQ(s->count(TrialStatus::kQueued), 4);
  EXPECT_FALSE(s->test().has_value());
  // The notebook's L3..L5 flags are stored beside hidden_layers.
  EXPECT_EQ(test::query_int(path, "SELECT l3 + 2 * l4 + 4 * l5 FROM trials WHERE trial = 0"), 1);
}

TEST(Store, UsesWalAndRecordsItsSchemaVersion) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  auto s = Store::create(path, sweep_record(), plan(1));
  EXPECT_EQ(test::query_int(path, "PRAGMA user_version"), kStoreSchemaVersion);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(Store, FinishedTrialsAndEpochsRoundTripIncludingNanAndInfinity) {
  test::TempDir dir;
  auto s = Store::create(store_path(dir.path()), sweep_record(), plan(3));
  s->mark_running(1, "cpu");
  EXPECT_EQ(s->trial(1)->status, TrialStatus::kRunning);
  s->add_epoch(1, epoch(1, 0.75));
  EpochMetrics bad = epoch(2, std::numeric_limits<double>::quiet_NaN());
  bad.val_loss = std::numeric_limits<double>::infinity();
  s->add_epoch(1, bad);
  TrialRecord r;
  r.config = config(1);
  r.status = TrialStatus::kDiverged;
  r.min_val_loss = 0.825;
  r.min_val_loss_epoch = 1;
  r.max_val_accuracy = 0.5;
  r.max_val_accuracy_epoch = 2;
  r.epochs_run = 2;
  r.steps = 1234567890123;
  r.seconds = 1.5;
  r.stop_reason = "diverged";
  r.backend = "cpu";
  s->finish_trial(r);

  auto back = s->trial(1);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, TrialStatus::kDiverged);
  EXPECT_EQ(back->min_val_loss, 0.825);
  EXPECT_EQ(back->max_val_accuracy_epoch, 2);
  EXPECT_EQ(back->steps, 1234567890123);
  EXPECT_EQ(back->stop_reason, "diverged");
  EXPECT_EQ(back->started_at.size(), 24u) << back->started_at;
  EXPECT_EQ(back->finished_at.size(), 24u) << back->finished_at;
  EXPECT_LE(back->started_at, back->finished_at);
  EXPECT_TRUE(s->trial(0)->started_at.empty());
  EXPECT_TRUE(s->trial(0)->finished_at.empty());
  auto ep = s->epochs(1);
  ASSERT_EQ(ep.size(), 2u);
  EXPECT_EQ(ep[0].loss, 0.75);
  EXPECT_EQ(ep[0].val_loss, 0.75 * 1.1);
  EXPECT_EQ(ep[0].seconds, 0.125);
  EXPECT_TRUE(std::isnan(ep[1].loss));  // stored as NULL
  EXPECT_EQ(ep[1].val_loss, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(s->epochs(0).empty());

  TrialRecord notdone = r;
  notdone.status = TrialStatus::kRunning;
  EXPECT_THROW(s->finish_trial(notdone), Error);
  TrialRecord missing = r;
  missing.config.index = 99;
  EXPECT_THROW(s->finish_trial(missing), Error);
}

TEST(Store, ResetPutsRunningAndQueuedTrialsBackWithoutTheirEpochs) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  auto s = Store::create(path, sweep_record(), plan(4));
  // trial 0 done, 1 running with two epochs, 2 failed with one epoch, 3 queued.
  s->mark_running(0, "cpu");
  s->add_epoch(0, epoch(1, 0.5));
  TrialRecord done;
  done.config = config(0);
  done.status = TrialStatus::kDone;
  done.min_val_loss = 0.55;
  done.min_val_loss_epoch = done.max_val_accuracy_epoch = done.epochs_run = 1;
  done.stop_reason = "max epochs";
  s->finish_trial(done);
  s->mark_running(1, "cpu");
  s->add_epoch(1, epoch(1, 0.9));
  s->add_epoch(1, epoch(2, 0.8));
  s->mark_running(2, "cpu");
  s->add_epoch(2, epoch(1, 0.7));
  TrialRecord failed = done;
  failed.config = config(2);
  failed.status = TrialStatus::kFailed;
  failed.error = "boom";
  s->finish_trial(failed);

  EXPECT_EQ(s->reset_unfinished(), 1);
  EXPECT_EQ(s->trial(0)->status, TrialStatus::kDone);
  EXPECT_EQ(s->epochs(0).size(), 1u);
  EXPECT_EQ(s->trial(1)->status, TrialStatus::kQueued);
  EXPECT_TRUE(s->epochs(1).empty());
  EXPECT_EQ(s->trial(2)->status, TrialStatus::kFailed);
  EXPECT_EQ(s->trial(2)->error, "boom");
  EXPECT_EQ(s->epochs(2).size(), 1u);
  EXPECT_EQ(s->trial(3)->status, TrialStatus::kQueued);
  EXPECT_EQ(test::query_int(path, "SELECT count(*) FROM epochs"), 2);

  s->mark_running(3, "cpu");
  s->add_epoch(3, epoch(1, 0.6));
  s->requeue(3);
  EXPECT_EQ(s->trial(3)->status, TrialStatus::kQueued);
  EXPECT_TRUE(s->epochs(3).empty());
}

TEST(Store, TestRowAndWholeTrialReplacementRoundTrip) {
  test::TempDir dir;
  auto s = Store::create(store_path(dir.path()), sweep_record(), plan(2));
  TrialRecord r;
  r.config = config(1);
  r.status = TrialStatus::kDone;
  r.min_val_loss = 0.3;
  r.min_val_loss_epoch = 4;
  r.max_val_accuracy = 0.9;
  r.max_val_accuracy_epoch = 5;
  r.epochs_run = 2;
  r.started_at = "2024-05-06T07:08:09.123Z";
  r.finished_at = "2024-05-06T07:09:10.456Z";
  s->put_trial(r, {epoch(1, 0.4), epoch(2, 0.3)});
  s->put_trial(r, {epoch(1, 0.4), epoch(2, 0.3)});  // idempotent
  EXPECT_EQ(s->trial(1)->min_val_loss, 0.3);
  EXPECT_EQ(s->trial(1)->finished_at, "2024-05-06T07:09:10.456Z");  // kept as merged
  EXPECT_EQ(s->epochs(1).size(), 2u);
  TestRecord t;
  t.trial = 1;
  t.retrain_epochs = 5;
  t.test_loss = 0.36361244320869446;
  t.test_accuracy = 0.8773000240325928;
  t.weights_path = "best.safetensors";
  t.config_path = "best_trial.toml";
  t.backend = "cpu";
  s->put_test(t);
  s->put_trial(r, {epoch(1, 0.4)});  // the tested trial can still be replaced
  EXPECT_EQ(s->epochs(1).size(), 1u);
  TrialRecord fresh = r;
  fresh.config = config(5);  // a row the plan did not have: added
  s->put_trial(fresh, {});
  EXPECT_EQ(s->trials().size(), 3u);
  auto back = s->test();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->trial, 1);
  EXPECT_EQ(back->retrain_epochs, 5);
  EXPECT_EQ(back->test_loss, t.test_loss);
  EXPECT_EQ(back->test_accuracy, t.test_accuracy);
  EXPECT_EQ(back->weights_path, "best.safetensors");
  EXPECT_FALSE(back->finished_at.empty());
}

TEST(Store, WritesFromManyThreadsAreSerialised) {
  test::TempDir dir;
  auto s = Store::create(store_path(dir.path()), sweep_record(), plan(4));
  std::vector<std::thread> th;
  for (int t = 0; t < 4; ++t)
    th.emplace_back([&, t] {
      s->mark_running(t, "cpu");
      for (int e = 1; e <= 25; ++e) s->add_epoch(t, epoch(e, 1.0 / e));
    });
  for (auto& t : th) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(s->epochs(t).size(), 25u);
}

TEST(Store, ShardStoresLiveUnderTheSweepDirectory) {
  EXPECT_EQ(store_path("/x/sweep"), "/x/sweep/store.sqlite");
  EXPECT_EQ(shard_store_path("/x/sweep", 2, 8), "/x/sweep/shards/shard-2-of-8.sqlite");
}

TEST(Store, RefusesGarbageWithoutTouchingIt) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  std::string garbage;
  for (int i = 0; i < 8192; ++i) garbage += static_cast<char>((i * 131 + 7) % 251);
  test::write_file(path, garbage);
  try {
    Store::open(path);
    FAIL() << "opened garbage";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("is not a qrsweep store"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Store::exists(path), DataError);
  EXPECT_EQ(test::read_file(path), garbage);
}

TEST(Store, RefusesAnotherProgramsDatabase) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  auto r =
      test::run_command("sqlite3 '" + path + "' 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'");
  if (r.status != 0) GTEST_SKIP() << "the sqlite3 command is not available: " << r.output;
  const std::string before = test::read_file(path);
  try {
    Store::open(path);
    FAIL() << "opened a foreign database";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("not a qrsweep store"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Store::create(path, sweep_record(), plan(1)), Error);
  EXPECT_EQ(test::read_file(path), before);
}

TEST(Store, RefusesANewerSchemaWithoutTouchingIt) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  { Store::create(path, sweep_record(), plan(2)); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string bump = "PRAGMA user_version = " + std::to_string(kStoreSchemaVersion + 1);
  ASSERT_EQ(sqlite3_exec(db, bump.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const std::string before = test::read_file(path);
  for (bool read_only : {false, true}) {
    try {
      Store::open(path, read_only);
      FAIL() << "opened a newer store";
    } catch (const DataError&) {
      FAIL() << "a newer store is not damaged";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("newer qrsweep"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("version " + std::to_string(kStoreSchemaVersion + 1)),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(test::read_file(path), before);
  EXPECT_EQ(test::query_int(path, "PRAGMA user_version"), kStoreSchemaVersion + 1);
}

TEST(Store, AnEmptyFileFromAnUncommittedCreationIsCreatedAgain) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  test::write_file(path, "");
  EXPECT_FALSE(Store::exists(path));
  auto s = Store::create(path, sweep_record(), plan(2));
  EXPECT_EQ(s->trials().size(), 2u);
  EXPECT_THROW(Store::create(path, sweep_record(), plan(2)), Error);
}

TEST(Store, ReadOnlyStoresRefuseWrites) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  { Store::create(path, sweep_record(), plan(2)); }
  auto s = Store::open(path, /*read_only=*/true);
  EXPECT_EQ(s->trials().size(), 2u);
  EXPECT_THROW(s->mark_running(0, "cpu"), Error);
  EXPECT_EQ(Store::open(path)->trial(0)->status, TrialStatus::kQueued);
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.insert(e.path().filename().string());
  return out;
}

// chmod 0555 for its lifetime. Root writes there all the same, so the tests also check
// that nothing new appears and the store's bytes and mtime stay as they were.
class ReadOnlyDir {
 public:
  explicit ReadOnlyDir(std::string dir) : dir_(std::move(dir)) { ::chmod(dir_.c_str(), 0555); }
  ~ReadOnlyDir() { ::chmod(dir_.c_str(), 0755); }
  ReadOnlyDir(const ReadOnlyDir&) = delete;
  ReadOnlyDir& operator=(const ReadOnlyDir&) = delete;

 private:
  std::string dir_;
};

TEST(Store, ReadOnlyOpensWriteNothingEvenInAReadOnlyDirectory) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  {
    auto s = Store::create(path, sweep_record(), plan(3));
    s->mark_running(1, "cpu");
    s->add_epoch(1, epoch(1, 0.5));
    TrialRecord r;
    r.config = config(1);
    r.status = TrialStatus::kDone;
    r.min_val_loss = 0.55;
    r.min_val_loss_epoch = r.max_val_accuracy_epoch = r.epochs_run = 1;
    s->finish_trial(r);
  }  // the sweep ended: its WAL is checkpointed into the file and removed
  ASSERT_EQ(names_in(dir.path()), std::set<std::string>{"store.sqlite"});
  const std::string bytes = test::read_file(path);
  const auto mtime = std::filesystem::last_write_time(path);
  {
    ReadOnlyDir ro(dir.path());
    EXPECT_TRUE(Store::exists(path));
    auto s = Store::open(path, /*read_only=*/true);
    EXPECT_EQ(s->sweep().trials, 4);
    ASSERT_EQ(s->trials().size(), 3u);
    EXPECT_EQ(s->trial(1)->status, TrialStatus::kDone);
    EXPECT_EQ(s->trial(1)->finished_at.size(), 24u);
    EXPECT_EQ(s->epochs(1).size(), 1u);
    EXPECT_EQ(s->count(TrialStatus::kQueued), 2);
    EXPECT_FALSE(s->test().has_value());
    EXPECT_THROW(s->mark_running(0, "cpu"), Error);
  }
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"store.sqlite"}) << "no -wal, no -shm";
  EXPECT_EQ(test::read_file(path), bytes);
  EXPECT_EQ(std::filesystem::last_write_time(path), mtime);
}

TEST(Store, ReadOnlyStoresSeeWhatAWriterCommitsAfterTheyOpened) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  { Store::create(path, sweep_record(), plan(3)); }
  auto reader = Store::open(path, /*read_only=*/true);  // a report opened before a resume
  EXPECT_EQ(reader->count(TrialStatus::kQueued), 3);
  auto writer = Store::open(path);
  writer->mark_running(0, "cpu");
  writer->add_epoch(0, epoch(1, 0.5));
  EXPECT_EQ(reader->trial(0)->status, TrialStatus::kRunning);
  EXPECT_EQ(reader->epochs(0).size(), 1u);
  writer->add_epoch(0, epoch(2, 0.4));
  TrialRecord r;
  r.config = config(0);
  r.status = TrialStatus::kDone;
  r.min_val_loss = 0.44;
  r.min_val_loss_epoch = r.max_val_accuracy_epoch = r.epochs_run = 2;
  writer->finish_trial(r);
  EXPECT_EQ(reader->trial(0)->status, TrialStatus::kDone);
  EXPECT_EQ(reader->epochs(0).size(), 2u);
  // The writer ends: its checkpoint rewrites the file under the open reader, and since the
  // reader holds no connection between reads, the writer removes its -wal and -shm.
  writer.reset();
  EXPECT_EQ(reader->trial(0)->min_val_loss, 0.44);
  EXPECT_EQ(reader->count(TrialStatus::kDone), 1);
  EXPECT_EQ(names_in(dir.path()), std::set<std::string>{"store.sqlite"});
}

TEST(Store, ReadOnlyStoresSeeCommitsThatAKilledWriterLeftInItsWal) {
  test::TempDir dir;
  const std::string path = store_path(dir.path());
  // A writer process that commits and dies without closing: its commits are only in the
  // -wal, which a reader of the file alone (immutable) would miss.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = Store::create(path, sweep_record(), plan(2));
    s->mark_running(1, "cpu");
    s->add_epoch(1, epoch(1, 0.5));
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const std::set<std::string> files = names_in(dir.path());
  ASSERT_TRUE(files.count("store.sqlite-wal")) << "the killed writer left its WAL";
  const std::string bytes = test::read_file(path);
  const std::string wal = test::read_file(path + "-wal");
  {
    ReadOnlyDir ro(dir.path());
    EXPECT_TRUE(Store::exists(path));
    auto s = Store::open(path, /*read_only=*/true);
    EXPECT_EQ(s->trials().size(), 2u);
    EXPECT_EQ(s->trial(1)->status, TrialStatus::kRunning);
    EXPECT_EQ(s->epochs(1).size(), 1u);
  }
  EXPECT_EQ(names_in(dir.path()), files);
  EXPECT_EQ(test::read_file(path), bytes);
  EXPECT_EQ(test::read_file(path + "-wal"), wal);
  // And the next writer recovers all of it.
  EXPECT_EQ(Store::open(path)->epochs(1).size(), 1u);
}

}  // namespace
}  // namespace qrsweep
