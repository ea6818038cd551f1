// What makes a store one sweep's: the data it ran on (sizes and content hash) and the plan
// format that drew it, recorded in the store and checked on every resume, merge and report
// of shards; version-1 stores (which record neither) read as before and get them recorded
// on a resume. Also the exit statuses of a store that is damaged or was edited.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include <xxhash.h>
#include "qrsweep/sweep.h"
#include "test_sweep_support.h"

namespace qrsweep {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSpace =
    "trials = 4\nseed = 3\nmax_epochs = 2\npatience = 2\n"
    "[layer_size]\nlow = 4\nhigh = 8\n[batch_size]\nlow = 32\nhigh = 64\n";

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string why = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << why;
}

class StoreIdentity : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_noisy_csv(dir_, 300, 60, 6, 3);
    test::write_file(dir_.file("space.toml"), test::tiny_space(dir_, kSpace, 60, 3));
    original_train_ = test::read_file(dir_.file("train.csv"));
  }
  SearchSpace space() const {
    SweepOptions so;
    so.space_path = dir_.file("space.toml");
    return resolve_space(so);
  }
  // The store of shard (i, n) of the sweep in `out`, every trial queued, recording the data
  // as it is now: what a sweep leaves when it is stopped before its first trial finished.
  void create_store(const std::string& out, int i = 0, int n = 1) {
    const SearchSpace s = space();
    const std::string path =
        n > 1 ? shard_store_path(dir_.file(out), i, n) : store_path(dir_.file(out));
    open_sweep_store(path, s, Shard{i, n}, make_plan_rows(s, i, n),
                     data_identity(load_data(s.data)));
  }
  // Changes one feature of one training row: same sizes, other content.
  void change_one_value() {
    std::string t = original_train_;
    const size_t begin = t.find(',') + 1, end = t.find(',', begin);
    t.replace(begin, end - begin, t.substr(begin, end - begin) == "7" ? "8" : "7");
    test::write_file(dir_.file("train.csv"), t);
  }
  void drop_last_row() {
    std::string t = original_train_;
    t.erase(t.rfind('\n', t.size() - 2) + 1);
    test::write_file(dir_.file("train.csv"), t);
  }
  void restore_data() { test::write_file(dir_.file("train.csv"), original_train_); }
  test::RunResult sweep(const std::string& out, const std::string& extra = "") {
    return test::run_qrsweep("sweep --space '" + dir_.file("space.toml") + "' --out '" +
                             dir_.file(out) + "' --backend cpu --jobs 1 --threads 1 " + extra);
  }
  test::RunResult merge(const std::string& args) {
    return test::run_qrsweep("merge " + args + " --backend cpu --threads 1");
  }
  std::string q(const std::string& name) const { return "'" + dir_.file(name) + "'"; }
  test::TempDir dir_;
  std::string original_train_;
};

TEST(ContentHash, Xxh64GivesTheRecordedKnownAnswers) {
  // Stores record XXH64 values, so the hash may never change under them (a library update
  // or a swap of the implementation). Known answers from the xxhash package (Python binding
  // of the reference C code) over bytes (i * 31 + 7) % 256: every tail length, 32-byte stripes.
  struct Case {
    size_t size;
    uint64_t seed, hash;
  };
  const Case cases[] = {{0, 0, 0xEF46DB3751D8E999ULL},
                        {0, 0x9E3779B97F4A7C15ULL, 0xC4349FC93C010000ULL},
                        {1, 0, 0xA96C7F0CE858BBB7ULL},
                        {3, 0x9E3779B97F4A7C15ULL, 0x5ACB303E78133C22ULL},
                        {4, 0, 0xC60D15B1E3FF8F04ULL},
                        {7, 0, 0xAFBEFC3D6C6F9A8EULL},
                        {8, 0x9E3779B97F4A7C15ULL, 0x758848F033FA76A2ULL},
                        {9, 0, 0x4B17A9BA9E215C09ULL},
                        {31, 0, 0x4A74F3A1A39AD4A1ULL},
                        {32, 0, 0x8D57D6A4671CC43DULL},
                        {33, 0x9E3779B97F4A7C15ULL, 0x52FAC3C981F3CC2EULL},
                        {63, 0, 0x5C320A0D2707057FULL},
                        {64, 0x9E3779B97F4A7C15ULL, 0xF7F22435FE1AB128ULL},
                        {100, 0, 0xEFA0AD2D3E70C151ULL},
                        {1000, 0, 0x99594F4828043D35ULL},
                        {1000, 0x9E3779B97F4A7C15ULL, 0xDA717F741F399F3FULL}};
  std::vector<unsigned char> bytes(1000);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<unsigned char>((i * 31 + 7) % 256);
  for (const Case& c : cases)
    EXPECT_EQ(XXH64(bytes.data(), c.size, c.seed), c.hash)
        << "size " << c.size << " seed " << c.seed;
}

TEST(ContentHash, EveryPartOfTheDataCountsInTheIdentity) {
  DataSplits d;
  d.train = test::synthetic_dataset(50, 4, 3, 1);
  d.test = test::synthetic_dataset(20, 4, 3, 2);
  const DataIdentity base = data_identity(d);
  EXPECT_EQ(base.train_rows, 50);
  EXPECT_EQ(base.test_rows, 20);
  EXPECT_EQ(base.features, 4);
  EXPECT_EQ(base.classes, 3);
  EXPECT_TRUE(data_differences(base, data_identity(d)).empty());
  auto changed = [&](auto edit) {
    DataSplits e = d;
    edit(e);
    return data_differences(base, data_identity(e));
  };
  EXPECT_THAT(changed([](DataSplits& e) { e.train.x[7] ^= 1; }),
              ::testing::ElementsAre(HasSubstr("content hash")));
  EXPECT_THAT(changed([](DataSplits& e) { e.train.y[3] = (e.train.y[3] + 1) % 3; }),
              ::testing::ElementsAre(HasSubstr("content hash")));
  EXPECT_THAT(changed([](DataSplits& e) { e.test.x.back() ^= 0x80; }),
              ::testing::ElementsAre(HasSubstr("content hash")));
  EXPECT_THAT(changed([](DataSplits& e) { e.test.y[0] = (e.test.y[0] + 1) % 3; }),
              ::testing::ElementsAre(HasSubstr("content hash")));
  // Train and test swapped: the same bytes in another role are other data.
  EXPECT_FALSE(changed([](DataSplits& e) { std::swap(e.train, e.test); }).empty());
}

TEST_F(StoreIdentity, AResumeOnChangedDataIsRefusedNamingWhatDiffersAndTouchesNothing) {
  create_store("s");
  const std::string store = store_path(dir_.file("s"));
  EXPECT_EQ(test::query_int(store, "SELECT plan_version FROM sweep_identity"), kPlanFormatVersion);
  EXPECT_EQ(test::query_int(store, "SELECT train_rows FROM sweep_identity"), 300);
  EXPECT_EQ(test::query_text(store, "SELECT length(data_hash) FROM sweep_identity"), "16");

  change_one_value();
  const std::string before = test::read_file(store);
  auto r = sweep("s");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(store + " holds trials run on other data"));
  EXPECT_THAT(r.output, HasSubstr("content hash (XXH64 of the rows as loaded): "));
  EXPECT_THAT(r.output, Not(HasSubstr("training rows:")));
  EXPECT_EQ(test::read_file(store), before) << "nothing written on a refusal";

  drop_last_row();
  r = sweep("s");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("training rows: 300 -> 299"));

  restore_data();
  r = sweep("s", "--quiet");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(test::query_int(store, "SELECT count(*) FROM trials WHERE status = 'done'"), 4);
}

TEST_F(StoreIdentity, ShardsRunOnDifferentDataAreRefusedByMergeAndReport) {
  create_store("m", 0, 2);
  change_one_value();  // a node whose copy of the data differs
  create_store("m", 1, 2);
  auto r = merge(q("m"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("belongs to another sweep"));
  EXPECT_THAT(r.output, HasSubstr("data content hash"));
  EXPECT_FALSE(fs::exists(store_path(dir_.file("m"))));
  auto rep = test::run_qrsweep("report " + q("m"));
  EXPECT_EQ(rep.status, 2) << rep.output;
  EXPECT_THAT(rep.output, HasSubstr("data content hash"));
}

TEST_F(StoreIdentity, AMergeDoesNotTestTheBestTrialOnDataThatChangedSinceTheShardsRan) {
  for (const char* shard : {"0/2", "1/2"}) {
    auto r = sweep("t", std::string("--quiet --shard ") + shard);
    ASSERT_EQ(r.status, 0) << r.output;
  }
  change_one_value();
  auto r = merge(q("t"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("holds trials run on other data"));
  EXPECT_THAT(r.output, Not(HasSubstr("The test accuracy was")));
  EXPECT_FALSE(fs::exists(dir_.file("t/best.safetensors")));
  // The merged store keeps the shards' identity; with the data restored the test runs.
  restore_data();
  r = merge(q("t"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("The test accuracy was"));
}

TEST_F(StoreIdentity, AVersionOneStoreIsReadAndGetsItsIdentityRecordedOnResume) {
  create_store("v1");
  const std::string store = store_path(dir_.file("v1"));
  // What qrsweep 0.1.0 wrote: no sweep_identity table, user_version 1.
  exec_sql(store, "DROP TABLE sweep_identity; PRAGMA user_version = 1;");
  {
    auto s = Store::open(store, /*read_only=*/true);
    EXPECT_EQ(s->schema_version(), 1);
    EXPECT_EQ(s->sweep().plan_version, 0);
    EXPECT_FALSE(s->sweep().data.has_value());
  }
  auto exported = test::run_qrsweep("export " + q("v1"));
  EXPECT_EQ(exported.status, 0) << exported.output;

  auto r = sweep("v1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("recorded no identity of its data; recorded the data loaded now"));
  EXPECT_EQ(test::query_int(store, "PRAGMA user_version"), kStoreSchemaVersion);
  EXPECT_EQ(test::query_int(store, "SELECT plan_version FROM sweep_identity"), kPlanFormatVersion);
  EXPECT_EQ(test::query_text(store, "SELECT length(data_hash) FROM sweep_identity"), "16");
  EXPECT_EQ(test::query_int(store, "SELECT test_rows FROM sweep_identity"), 60);
}

TEST_F(StoreIdentity, RowsOfAnotherPlanFormatAreRefusedWithExitTwo) {
  create_store("p");
  const std::string store = store_path(dir_.file("p"));
  // A store drawn by a (future) plan format 2 that gives trial 1 another learning rate.
  exec_sql(store,
           "UPDATE sweep_identity SET plan_version = 2; "
           "UPDATE trials SET learning_rate = learning_rate * 1.5 WHERE trial = 1;");
  const std::string before = test::read_file(store);
  auto r = sweep("p");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("trial 1 differs from the plan"));
  EXPECT_THAT(r.output, HasSubstr("drawn by plan format 2"));
  EXPECT_EQ(test::read_file(store), before);
  auto m = merge(q("pm") + " " + q("p"));
  EXPECT_EQ(m.status, 2) << m.output;
  EXPECT_THAT(m.output, HasSubstr("drawn by plan format 2"));
}

TEST_F(StoreIdentity, EditedTrialRowsAreADamagedStoreExitThree) {
  create_store("e");
  const std::string store = store_path(dir_.file("e"));
  exec_sql(store, "UPDATE trials SET batch_size = batch_size + 1 WHERE trial = 2;");
  auto r = sweep("e");
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr(store + " is damaged: trial 2 differs from the plan"));
  EXPECT_THAT(r.output, HasSubstr("changed outside qrsweep"));
  auto m = merge(q("em") + " " + q("e"));
  EXPECT_EQ(m.status, 3) << m.output;
  EXPECT_THAT(m.output, HasSubstr("changed outside qrsweep"));
}

TEST_F(StoreIdentity, AStoredSpaceThatIsNotTomlIsADamagedStoreForEveryCommand) {
  create_store("d");
  const std::string store = store_path(dir_.file("d"));
  exec_sql(store, "UPDATE sweep SET space_toml = 'trials = [';");
  auto r = sweep("d");
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr(store + " is damaged: it holds a space this qrsweep cannot read"));
  auto m = merge(q("dm") + " " + q("d"));
  EXPECT_EQ(m.status, 3) << m.output;
  auto rep = test::run_qrsweep("report " + q("d") + " --out " + q("d.html"));
  EXPECT_EQ(rep.status, 3) << rep.output;
  EXPECT_THAT(rep.output, HasSubstr("is damaged"));
}

TEST_F(StoreIdentity, ADamagedShardStoreStopsReportAndMergeAlikeAnEmptyOneIsNotThereYet) {
  create_store("g", 0, 2);
  const std::string shard1 = shard_store_path(dir_.file("g"), 1, 2);
  test::write_file(shard1, std::string(4096, 'x'));
  auto rep = test::run_qrsweep("report " + q("g"));
  EXPECT_EQ(rep.status, 3) << rep.output;
  EXPECT_THAT(rep.output, HasSubstr(shard1));
  auto m = merge(q("g"));
  EXPECT_EQ(m.status, 3) << m.output;
  EXPECT_THAT(m.output, HasSubstr(shard1));

  // An empty file: a shard whose store creation never committed. Both see no store yet.
  test::write_file(shard1, "");
  rep = test::run_qrsweep("report " + q("g"));
  EXPECT_EQ(rep.status, 0) << rep.output;
  m = merge(q("g"));
  EXPECT_EQ(m.status, 0) << m.output;
  EXPECT_THAT(m.output, HasSubstr("no store found for shard(s) 1/2"));
}

}  // namespace
}  // namespace qrsweep
