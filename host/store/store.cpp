// The results store (store.h): opening and creating store files, reads, and writes that
// are each one transaction committed before the call returns.
#include "qrsweep/store.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include "qrsweep/common.h"
#include "store/identity_rows.h"
#include "store/read_snapshot.h"
#include "store/record_rows.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/trial_row.h"

namespace qrsweep {

using store_detail::Db;
using store_detail::Statement;
using store_detail::Transaction;

// A writable store keeps one connection. A read-only one keeps none: each read is its own
// snapshot (read_snapshot.h), so it creates nothing beside the file and sees what a
// writer committed since the last read.
struct Store::Impl {
  explicit Impl(std::string p) : path(std::move(p)) {}
  std::string path;
  std::unique_ptr<Db> db;  // the writer's connection; null when read-only

  template <class F>
  auto read(F&& f) -> decltype(f(std::declval<Db&>())) {
    if (db) return f(*db);
    decltype(f(std::declval<Db&>())) out{};
    store_detail::read_snapshot(path, [&](Db& d) { out = f(d); });
    return out;
  }
  Db& writer() {
    if (!db) throw Error("cannot write " + path + ": the store was opened read-only");
    return *db;
  }
};

namespace {

// ISO 8601 UTC with milliseconds: "2024-05-06T07:08:09.123Z".
std::string utc_text(std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const long ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03ldZ", buf, ms);
  return out;
}

std::string utc_now() { return utc_text(std::chrono::system_clock::now()); }

std::string placeholders(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

const std::string& insert_trial_sql() {
  static const std::string sql =
      "INSERT INTO trials (" + store_detail::trial_columns() + ") VALUES (" +
      placeholders(static_cast<int>(store_detail::trial_column_names().size())) + ")";
  return sql;
}

const std::string& upsert_trial_sql() {
  static const std::string sql = [] {
    std::string set;
    for (const std::string& c : store_detail::trial_column_names())
      if (c != "trial") set += (set.empty() ? "" : ", ") + c + " = excluded." + c;
    return insert_trial_sql() + " ON CONFLICT (trial) DO UPDATE SET " + set;
  }();
  return sql;
}

const char* const kStatusNames[] = {"queued", "running", "done", "diverged", "failed"};

}  // namespace

const char* trial_status_name(TrialStatus s) { return kStatusNames[static_cast<int>(s)]; }

TrialStatus parse_trial_status(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(TrialStatus::kFailed); ++i)
    if (name == kStatusNames[i]) return static_cast<TrialStatus>(i);
  throw DataError("unknown trial status '" + name + "'");
}

bool is_finished(TrialStatus s) {
  return s == TrialStatus::kDone || s == TrialStatus::kDiverged || s == TrialStatus::kFailed;
}

std::string store_path(const std::string& dir) { return dir + "/store.sqlite"; }

std::string shard_store_path(const std::string& dir, int shard_index, int shard_count) {
  return dir + "/shards/shard-" + std::to_string(shard_index) + "-of-" +
         std::to_string(shard_count) + ".sqlite";
}

Store::Store(std::unique_ptr<Impl> impl, std::string path, int version)
    : impl_(std::move(impl)), path_(std::move(path)), schema_version_(version) {}

Store::~Store() = default;

bool Store::exists(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || st.st_size == 0) return false;
  store_detail::FileKind kind = store_detail::FileKind::kEmpty;
  store_detail::read_snapshot(path, [&](Db& db) {
    int version = 0;
    kind = store_detail::inspect(db, &version);
  });
  return kind == store_detail::FileKind::kStore;
}

std::unique_ptr<Store> Store::create(const std::string& path, const SweepRecord& sweep,
                                     const std::vector<TrialConfig>& plan) {
  auto impl = std::make_unique<Impl>(path);
  impl->db = std::make_unique<Db>(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  Db& db = *impl->db;
  int version = 0;
  if (store_detail::inspect(db, &version) != store_detail::FileKind::kEmpty)
    throw Error(path + " already holds a store; open it instead of creating one");
  store_detail::configure_writer(db);
  Transaction tx(db);
  store_detail::create_schema(db);
  const std::string now = utc_now();
  Statement s(db,
              "INSERT INTO sweep (id, space_toml, seed, trials, shard_index, shard_count, "
              "program_version, host, machine, backend, device, created_at, updated_at, "
              "wall_seconds) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, sweep.identity.space_toml)
      .bind(2, static_cast<int64_t>(sweep.seed))
      .bind(3, sweep.trials)
      .bind(4, sweep.identity.shard_index)
      .bind(5, sweep.identity.shard_count)
      .bind(6, sweep.program_version.empty() ? std::string(QRSWEEP_VERSION) : sweep.program_version)
      .bind(7, sweep.host)
      .bind(8, sweep.machine)
      .bind(9, sweep.backend)
      .bind(10, sweep.device)
      .bind(11, sweep.created_at.empty() ? now : sweep.created_at)
      .bind(12, sweep.updated_at.empty() ? now : sweep.updated_at)
      .bind(13, sweep.wall_seconds);
  s.run();
  store_detail::write_identity_row(db, sweep);
  Statement ins(db, insert_trial_sql());
  for (const TrialConfig& c : plan) {
    TrialRecord r;
    r.config = c;
    store_detail::bind_trial(ins, 1, r);
    ins.run();
  }
  tx.commit();
  return std::unique_ptr<Store>(new Store(std::move(impl), path, kStoreSchemaVersion));
}

std::unique_ptr<Store> Store::open(const std::string& path, bool read_only) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error("no store at " + path);
  auto impl = std::make_unique<Impl>(path);
  int version = 0;
  auto check_kind = [&](Db& db) {
    if (store_detail::inspect(db, &version) != store_detail::FileKind::kStore)
      throw DataError(path + " is an empty file, not a qrsweep store");
  };
  if (read_only) {
    store_detail::read_snapshot(path, check_kind);
    return std::unique_ptr<Store>(new Store(std::move(impl), path, version));
  }
  impl->db = std::make_unique<Db>(path, SQLITE_OPEN_READWRITE);
  Db& db = *impl->db;
  check_kind(db);
  // A damaged page would otherwise surface halfway through a sweep.
  const std::string check = db.text("PRAGMA quick_check");
  if (check != "ok")
    throw DataError(path + " is damaged (" + check +
                    "); restore it from a copy or choose another --out directory");
  store_detail::configure_writer(db);
  return std::unique_ptr<Store>(new Store(std::move(impl), path, version));
}

// ---- reads ------------------------------------------------------------------

SweepRecord Store::sweep() {
  std::lock_guard<std::mutex> lock(mu_);
  return impl_->read([&](Db& db) { return store_detail::read_sweep_row(db, path_); });
}

std::vector<TrialRecord> Store::trials() {
  std::lock_guard<std::mutex> lock(mu_);
  return impl_->read([&](Db& db) {
    Statement s(db, "SELECT " + store_detail::trial_columns() + " FROM trials ORDER BY trial");
    std::vector<TrialRecord> out;
    while (s.step()) out.push_back(store_detail::read_trial(s, path_));
    return out;
  });
}

std::optional<TrialRecord> Store::trial(int index) {
  std::lock_guard<std::mutex> lock(mu_);
  return impl_->read([&](Db& db) -> std::optional<TrialRecord> {
    Statement s(db, "SELECT " + store_detail::trial_columns() + " FROM trials WHERE trial = ?");
    s.bind(1, index);
    if (!s.step()) return std::nullopt;
    return store_detail::read_trial(s, path_);
  });
}

std::vector<EpochMetrics> Store::epochs(int trial) {
  std::lock_guard<std::mutex> lock(mu_);
  return impl_->read([&](Db& db) { return store_detail::read_epoch_rows(db, trial); });
}

std::optional<TestRecord> Store::test() {
  std::lock_guard<std::mutex> lock(mu_);
  return impl_->read([](Db& db) { return store_detail::read_test_row(db); });
}

int Store::count(TrialStatus status) {
  std::lock_guard<std::mutex> lock(mu_);
  return impl_->read([&](Db& db) {
    Statement s(db, "SELECT count(*) FROM trials WHERE status = ?");
    s.bind(1, std::string(trial_status_name(status)));
    return s.step() ? static_cast<int>(s.integer(0)) : 0;
  });
}

// ---- writes -----------------------------------------------------------------

int Store::reset_unfinished() {
  std::lock_guard<std::mutex> lock(mu_);
  Db& db = impl_->writer();
  Transaction tx(db);
  const int running =
      static_cast<int>(db.scalar("SELECT count(*) FROM trials WHERE status = 'running'"));
  db.exec(
      "DELETE FROM epochs WHERE trial IN "
      "(SELECT trial FROM trials WHERE status IN ('queued', 'running'));"
      "UPDATE trials SET status = 'queued', min_val_loss = NULL, min_val_loss_epoch = 0, "
      "max_val_accuracy = NULL, max_val_accuracy_epoch = 0, epochs_run = 0, steps = 0, "
      "seconds = 0, stop_reason = '', error = '', backend = '', started_at = NULL, "
      "finished_at = NULL WHERE status IN ('queued', 'running');");
  tx.commit();
  return running;
}

void Store::record_run(const std::string& host, const std::string& machine,
                       const std::string& backend, const std::string& device) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s(impl_->writer(),
              "UPDATE sweep SET host = ?, machine = ?, backend = ?, device = ?, "
              "program_version = ?, updated_at = ? WHERE id = 1");
  s.bind(1, host).bind(2, machine).bind(3, backend).bind(4, device);
  s.bind(5, std::string(QRSWEEP_VERSION)).bind(6, utc_now());
  s.run();
}

void Store::record_identity(int plan_version, const DataIdentity& data) {
  std::lock_guard<std::mutex> lock(mu_);
  Db& db = impl_->writer();
  Transaction tx(db);
  if (schema_version_ < 2) store_detail::upgrade_schema(db);
  SweepRecord r;
  r.plan_version = plan_version;
  r.data = data;
  store_detail::write_identity_row(db, r);
  tx.commit();
  schema_version_ = kStoreSchemaVersion;
}

void Store::add_wall_seconds(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s(impl_->writer(),
              "UPDATE sweep SET wall_seconds = wall_seconds + ?, updated_at = ? WHERE id = 1");
  s.bind(1, seconds).bind(2, utc_now());
  s.run();
}

void Store::mark_running(int trial, const std::string& backend) {
  write({TrialWrite::start(trial, backend)});
}

void Store::add_epoch(int trial, const EpochMetrics& m) {
  write({TrialWrite::epoch_row(trial, m)});
}

void Store::finish_trial(const TrialRecord& r) { write({TrialWrite::finish(r)}); }

void Store::requeue(int trial) { write({TrialWrite::requeue(trial)}); }

TrialWrite TrialWrite::start(int trial, const std::string& backend) {
  TrialWrite w;
  w.kind = Kind::kStart;
  w.trial = trial;
  w.backend = backend;
  return w;
}

TrialWrite TrialWrite::epoch_row(int trial, const EpochMetrics& m) {
  TrialWrite w;
  w.kind = Kind::kEpoch;
  w.trial = trial;
  w.epoch = m;
  return w;
}

TrialWrite TrialWrite::finish(const TrialRecord& r) {
  TrialWrite w;
  w.kind = Kind::kFinish;
  w.trial = r.config.index;
  w.record = r;
  return w;
}

TrialWrite TrialWrite::requeue(int trial) {
  TrialWrite w;
  w.kind = Kind::kRequeue;
  w.trial = trial;
  return w;
}

namespace {

// The statements of Store::write, prepared once per transaction as they are first needed.
class TrialWriter {
 public:
  TrialWriter(Db& db, const std::string& path) : db_(db), path_(path) {}

  void apply(const TrialWrite& w) {
    switch (w.kind) {
      case TrialWrite::Kind::kStart:
        delete_epochs(w.trial);
        get(start_,
            "UPDATE trials SET status = 'running', backend = ?, started_at = ? WHERE trial = ?")
            .bind(1, w.backend)
            .bind(2, utc_text(w.at))
            .bind(3, w.trial)
            .run();
        expect_one_row(w.trial);
        return;
      case TrialWrite::Kind::kEpoch: {
        const EpochMetrics& m = w.epoch;
        Statement& s = get(epoch_,
                           "INSERT INTO epochs (trial, epoch, loss, accuracy, val_loss, "
                           "val_accuracy, seconds) VALUES (?, ?, ?, ?, ?, ?, ?)");
        s.bind(1, w.trial).bind(2, m.epoch).bind(3, m.loss).bind(4, m.accuracy);
        s.bind(5, m.val_loss).bind(6, m.val_accuracy).bind(7, m.seconds);
        s.run();
        return;
      }
      case TrialWrite::Kind::kFinish: {
        const TrialRecord& r = w.record;
        if (!is_finished(r.status))
          throw Error("finish_trial: trial " + std::to_string(r.config.index) + " has status " +
                      trial_status_name(r.status));
        get(finish_,
            "UPDATE trials SET status = ?, min_val_loss = ?, min_val_loss_epoch = ?, "
            "max_val_accuracy = ?, max_val_accuracy_epoch = ?, epochs_run = ?, steps = ?, "
            "seconds = ?, stop_reason = ?, error = ?, backend = ?, finished_at = ? "
            "WHERE trial = ?")
            .bind(1, std::string(trial_status_name(r.status)))
            .bind(2, r.min_val_loss)
            .bind(3, r.min_val_loss_epoch)
            .bind(4, r.max_val_accuracy)
            .bind(5, r.max_val_accuracy_epoch)
            .bind(6, r.epochs_run)
            .bind(7, r.steps)
            .bind(8, r.seconds)
            .bind(9, r.stop_reason)
            .bind(10, r.error)
            .bind(11, r.backend)
            .bind(12, utc_text(w.at))
            .bind(13, r.config.index)
            .run();
        expect_one_row(r.config.index);
        return;
      }
      case TrialWrite::Kind::kRequeue:
        delete_epochs(w.trial);
        get(requeue_,
            "UPDATE trials SET status = 'queued', backend = '', started_at = NULL "
            "WHERE trial = ?")
            .bind(1, w.trial)
            .run();
        return;
    }
  }

 private:
  Statement& get(std::unique_ptr<Statement>& s, const char* sql) {
    if (!s) s = std::make_unique<Statement>(db_, sql);
    return *s;
  }
  void delete_epochs(int trial) {
    get(delete_, "DELETE FROM epochs WHERE trial = ?").bind(1, trial).run();
  }
  void expect_one_row(int trial) {
    if (sqlite3_changes(db_.handle()) != 1)
      throw Error(path_ + ": no trial " + std::to_string(trial) + " in the store");
  }

  Db& db_;
  const std::string& path_;
  std::unique_ptr<Statement> start_, epoch_, finish_, requeue_, delete_;
};

}  // namespace

void Store::write(const std::vector<TrialWrite>& writes) {
  if (writes.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  Db& db = impl_->writer();
  Transaction tx(db);
  {
    TrialWriter w(db, path_);  // its statements are finalized before the commit
    for (const TrialWrite& one : writes) w.apply(one);
  }
  tx.commit();
}

void Store::put_test(const TestRecord& t) {
  std::lock_guard<std::mutex> lock(mu_);
  Statement s(impl_->writer(),
              "INSERT OR REPLACE INTO best (id, trial, retrain_epochs, test_loss, "
              "test_accuracy, weights_path, config_path, seconds, backend, finished_at) "
              "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, t.trial).bind(2, t.retrain_epochs).bind(3, t.test_loss).bind(4, t.test_accuracy);
  s.bind(5, t.weights_path).bind(6, t.config_path).bind(7, t.seconds).bind(8, t.backend);
  s.bind(9, t.finished_at.empty() ? utc_now() : t.finished_at);
  s.run();
}

void Store::put_trial(const TrialRecord& r, const std::vector<EpochMetrics>& epochs) {
  std::lock_guard<std::mutex> lock(mu_);
  Db& db = impl_->writer();
  Transaction tx(db);
  Statement del(db, "DELETE FROM epochs WHERE trial = ?");
  del.bind(1, r.config.index);
  del.run();
  // An upsert, not DELETE + INSERT: the best row may refer to this trial.
  Statement ins(db, upsert_trial_sql());
  store_detail::bind_trial(ins, 1, r);
  ins.run();
  Statement ep(db,
               "INSERT INTO epochs (trial, epoch, loss, accuracy, val_loss, val_accuracy, "
               "seconds) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (const EpochMetrics& m : epochs) {
    ep.bind(1, r.config.index).bind(2, m.epoch).bind(3, m.loss).bind(4, m.accuracy);
    ep.bind(5, m.val_loss).bind(6, m.val_accuracy).bind(7, m.seconds);
    ep.run();
  }
  tx.commit();
}

}  // namespace qrsweep
