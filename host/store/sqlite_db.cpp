// The SQLite RAII layer (see sqlite_db.h).
#include "store/sqlite_db.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "qrsweep/common.h"

namespace qrsweep::store_detail {

namespace {

// What a statement does, in words, for error messages: "writing to the epochs table".
std::string describe_sql(const std::string& sql) {
  auto word_after = [&](const std::string& key) {
    size_t p = sql.find(key);
    if (p == std::string::npos) return std::string("?");
    p += key.size();
    size_t e = sql.find_first_of(" (;\n", p);
    return sql.substr(p, e == std::string::npos ? std::string::npos : e - p);
  };
  if (sql.rfind("INSERT", 0) == 0) return "writing to the " + word_after("INTO ") + " table";
  if (sql.rfind("UPDATE", 0) == 0) return "updating the " + word_after("UPDATE ") + " table";
  if (sql.rfind("DELETE", 0) == 0) return "deleting from the " + word_after("FROM ") + " table";
  if (sql.rfind("SELECT", 0) == 0 || sql.rfind("PRAGMA", 0) == 0) return "reading the store";
  if (sql.rfind("COMMIT", 0) == 0) return "committing a transaction";
  if (sql.rfind("BEGIN", 0) == 0) return "starting a transaction";
  if (sql.find("CREATE TABLE") != std::string::npos) return "creating the tables";
  return "running " + sql.substr(0, 40);
}

// The SQLite VFS every store connection goes through: the default unless the environment
// names another (QRSWEEP_SQLITE_VFS; docs/sweep.md), such as the tests' slow disk.
const char* store_vfs() {
  const char* name = std::getenv("QRSWEEP_SQLITE_VFS");
  if (!name || !*name) return nullptr;
  if (!sqlite3_vfs_find(name))
    throw ConfigError("QRSWEEP_SQLITE_VFS=" + std::string(name) +
                      ": SQLite has no VFS of that name (unset it for the default)");
  return name;
}

}  // namespace

Db::Db(const std::string& path, int flags, const std::string& uri) : path_(path) {
  int rc = sqlite3_open_v2(uri.empty() ? path.c_str() : uri.c_str(), &db_, flags, store_vfs());
  if (rc != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    int err = db_ ? sqlite3_system_errno(db_) : 0;
    sqlite3_close(db_);
    db_ = nullptr;
    if (err != 0) why += std::string(" (") + std::strerror(err) + ")";
    throw Error("cannot open the store " + path + ": " + why);
  }
  sqlite3_extended_result_codes(db_, 1);
  // Readers (qrsweep report, tests polling a running sweep) may briefly hold locks.
  sqlite3_busy_timeout(db_, 10000);
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

void Db::fail(int rc, const std::string& what) const {
  const int primary = rc & 0xff;
  const int err = db_ ? sqlite3_system_errno(db_) : 0;
  std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if (err != 0 && primary == SQLITE_IOERR) why += std::string(" (") + std::strerror(err) + ")";
  if (primary == SQLITE_NOTADB)
    throw DataError(path_ + " is not a qrsweep store (" + why +
                    "); move it away or choose "
                    "another --out directory");
  if (primary == SQLITE_CORRUPT)
    throw DataError(path_ + " is damaged (" + why + ") while " + what +
                    "; restore it from a copy or choose another --out directory");
  if (primary == SQLITE_FULL || err == ENOSPC)
    throw Error(path_ + ": the disk is full (" + why + ") while " + what);
  if (primary == SQLITE_READONLY || err == EROFS || err == EACCES)
    throw Error(path_ + ": cannot write (" + why + ") while " + what);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    throw Error(path_ + " is locked by another process (" + why + ") while " + what);
  throw Error(path_ + ": " + why + " while " + what);
}

void Db::exec(const std::string& sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  sqlite3_free(msg);
  if (rc != SQLITE_OK) fail(rc, describe_sql(sql));
}

int64_t Db::scalar(const std::string& sql) {
  Statement s(*this, sql);
  return s.step() ? s.integer(0) : 0;
}

std::string Db::text(const std::string& sql) {
  Statement s(*this, sql);
  return s.step() ? s.text(0) : std::string();
}

Statement::Statement(Db& db, const std::string& sql) : db_(db), sql_(sql) {
  int rc = sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &st_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, describe_sql(sql));
}

Statement::~Statement() { sqlite3_finalize(st_); }

Statement& Statement::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(st_, i, v);
  if (rc != SQLITE_OK) db_.fail(rc, "binding a value");
  return *this;
}

Statement& Statement::bind(int i, double v) {
  if (std::isnan(v)) return bind_null(i);
  int rc = sqlite3_bind_double(st_, i, v);
  if (rc != SQLITE_OK) db_.fail(rc, "binding a value");
  return *this;
}

Statement& Statement::bind(int i, const std::string& v) {
  int rc = sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.fail(rc, "binding a value");
  return *this;
}

Statement& Statement::bind_null(int i) {
  int rc = sqlite3_bind_null(st_, i);
  if (rc != SQLITE_OK) db_.fail(rc, "binding a value");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(st_);
  db_.fail(rc, describe_sql(sql_));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

int64_t Statement::integer(int col) const { return sqlite3_column_int64(st_, col); }

double Statement::real(int col) const {
  if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(st_, col);
}

std::string Statement::text(int col) const {
  const unsigned char* p = sqlite3_column_text(st_, col);
  if (!p) return std::string();
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(st_, col)));
}

bool Statement::is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }

int Statement::columns() const { return sqlite3_column_count(st_); }

std::string Statement::column_name(int col) const { return sqlite3_column_name(st_, col); }

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace qrsweep::store_detail
