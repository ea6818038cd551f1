// The store's SQL schema and the version checks (see schema.h and docs/sweep.md).
#include "store/schema.h"

#include <string>

#include "core/trial_fields.h"
#include "qrsweep/common.h"
#include "qrsweep/store.h"

namespace qrsweep::store_detail {

namespace {

const char* const kSweepSchema = R"sql(
CREATE TABLE sweep (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  space_toml TEXT NOT NULL,
  seed INTEGER NOT NULL,
  trials INTEGER NOT NULL,
  shard_index INTEGER NOT NULL,
  shard_count INTEGER NOT NULL,
  program_version TEXT NOT NULL,
  host TEXT NOT NULL,
  machine TEXT NOT NULL,
  backend TEXT NOT NULL,
  device TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  wall_seconds REAL NOT NULL
);
)sql";

// A trial's results, after its fields in the trials table.
const char* const kResultColumns = R"sql(
  status TEXT NOT NULL
    CHECK (status IN ('queued', 'running', 'done', 'diverged', 'failed')),
  min_val_loss REAL,
  min_val_loss_epoch INTEGER NOT NULL DEFAULT 0,
  max_val_accuracy REAL,
  max_val_accuracy_epoch INTEGER NOT NULL DEFAULT 0,
  epochs_run INTEGER NOT NULL DEFAULT 0,
  steps INTEGER NOT NULL DEFAULT 0,
  seconds REAL NOT NULL DEFAULT 0,
  stop_reason TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  backend TEXT NOT NULL DEFAULT '',
  started_at TEXT,
  finished_at TEXT
);
)sql";

const char* const kResultColumnNames[] = {"status",
                                          "min_val_loss",
                                          "min_val_loss_epoch",
                                          "max_val_accuracy",
                                          "max_val_accuracy_epoch",
                                          "epochs_run",
                                          "steps",
                                          "seconds",
                                          "stop_reason",
                                          "error",
                                          "backend",
                                          "started_at",
                                          "finished_at"};

const char* const kOtherTables = R"sql(
CREATE INDEX trials_status ON trials (status);
CREATE TABLE epochs (
  trial INTEGER NOT NULL REFERENCES trials (trial),
  epoch INTEGER NOT NULL,
  loss REAL,
  accuracy REAL,
  val_loss REAL,
  val_accuracy REAL,
  seconds REAL NOT NULL,
  PRIMARY KEY (trial, epoch)
) WITHOUT ROWID;
CREATE TABLE best (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  trial INTEGER NOT NULL REFERENCES trials (trial),
  retrain_epochs INTEGER NOT NULL,
  test_loss REAL,
  test_accuracy REAL,
  weights_path TEXT NOT NULL,
  config_path TEXT NOT NULL,
  seconds REAL NOT NULL,
  backend TEXT NOT NULL,
  finished_at TEXT NOT NULL
);
)sql";

// Version 2: what the trials were drawn by and run on (identity_rows.h). The data columns
// are NULL where unknown: a merge of version-1 stores.
const char* const kIdentitySchema = R"sql(
CREATE TABLE sweep_identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  plan_version INTEGER NOT NULL,
  train_rows INTEGER,
  test_rows INTEGER,
  features INTEGER,
  classes INTEGER,
  data_hash TEXT
);
)sql";

const char* sql_type(FieldType t) {
  return t == FieldType::kText ? "TEXT" : t == FieldType::kReal ? "REAL" : "INTEGER";
}

// Trials carry their whole configuration, so the table alone says exactly what ran
// (docs/style.md#one-config); L3..L5 repeat hidden_layers because the notebook's table has
// them. The first column (the trial's index) keys the rows.
std::string trials_table_sql() {
  std::string sql = "CREATE TABLE trials (\n";
  for (const TrialField* f : store_fields())
    for_each_value(*f, f->store, [&](int, const std::string& name) {
      sql += "  " + name + " " + sql_type(f->type) +
             (f == store_fields().front() ? " PRIMARY KEY,\n" : " NOT NULL,\n");
    });
  return sql + kResultColumns;
}

}  // namespace

const std::vector<std::string>& trial_column_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const TrialField* f : store_fields())
      for_each_value(*f, f->store, [&](int, const std::string& name) { out.push_back(name); });
    out.insert(out.end(), std::begin(kResultColumnNames), std::end(kResultColumnNames));
    return out;
  }();
  return names;
}

const std::string& trial_columns() {
  static const std::string joined = [] {
    std::string out;
    for (const std::string& c : trial_column_names()) out += (out.empty() ? "" : ", ") + c;
    return out;
  }();
  return joined;
}

void create_schema(Db& db) {
  db.exec(std::string(kSweepSchema) + trials_table_sql() + kOtherTables);
  upgrade_schema(db);
}

void upgrade_schema(Db& db) {
  db.exec(kIdentitySchema);
  db.exec("PRAGMA user_version = " + std::to_string(kStoreSchemaVersion));
}

bool has_table(Db& db, const char* name) {
  Statement s(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  s.bind(1, std::string(name));
  return s.step() && s.integer(0) == 1;
}

FileKind inspect(Db& db, int* version) {
  // The first read of the header: SQLITE_NOTADB (garbage) surfaces here as DataError.
  const int v = static_cast<int>(db.scalar("PRAGMA user_version"));
  *version = v;
  if (v > kStoreSchemaVersion)
    throw Error(db.path() + " was written by a newer qrsweep (store schema version " +
                std::to_string(v) + "; this qrsweep " QRSWEEP_VERSION " reads up to version " +
                std::to_string(kStoreSchemaVersion) +
                "): use that qrsweep or another --out directory; the file was not modified");
  const int64_t tables = db.scalar("SELECT count(*) FROM sqlite_master");
  if (v == 0) {
    if (tables == 0) return FileKind::kEmpty;
    throw DataError(db.path() +
                    " is an SQLite database but not a qrsweep store (no schema "
                    "version); move it away or choose another --out directory");
  }
  for (const char* t : {"sweep", "trials", "epochs", "best", "sweep_identity"}) {
    if (std::string(t) == "sweep_identity" && v < 2) continue;
    if (!has_table(db, t)) throw DataError(db.path() + " is damaged: table '" + t + "' is missing");
  }
  if (db.scalar("SELECT count(*) FROM sweep") != 1)
    throw DataError(db.path() + " is damaged: its sweep table has no row");
  return FileKind::kStore;
}

void configure_writer(Db& db) {
  // WAL: readers (report, a test polling the store) never block the sweep, and a crash
  // leaves the database as of the last commit. synchronous = FULL: each commit is on
  // disk when it returns, so a trial recorded as done survives a power cut or a node
  // failure too, not only a killed process (NORMAL would keep only the latter); it costs
  // one fsync per epoch, which is small beside an epoch of training.
  const std::string mode = db.text("PRAGMA journal_mode = WAL");
  if (mode != "wal")
    throw Error(db.path() + ": cannot switch the store to WAL mode (journal_mode is " + mode + ")");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = ON");
}

}  // namespace qrsweep::store_detail
