// A thin RAII layer over the SQLite C API for the results store: connection, statements,
// transactions, and SQLite errors as qrsweep errors that name the file and the cause.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace qrsweep::store_detail {

class Statement;

class Db {
 public:
  // Opens `path` (SQLITE_OPEN_* flags), or the SQLite URI `uri` when given (with
  // SQLITE_OPEN_URI; messages still name `path`). Throws Error naming the file when it
  // cannot.
  Db(const std::string& path, int flags, const std::string& uri = "");
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements that return no rows.
  void exec(const std::string& sql);
  // The first column of the first row of `sql` as an integer (0 when no row).
  int64_t scalar(const std::string& sql);
  // The first column of the first row of `sql` as text ("" when no row or NULL).
  std::string text(const std::string& sql);

  // Throws the qrsweep error for result code `rc` from an operation described by `what`.
  [[noreturn]] void fail(int rc, const std::string& what) const;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement; bind() indices are 1-based as in SQLite.
class Statement {
 public:
  Statement(Db& db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v)); }
  // NaN is bound as NULL (SQLite cannot store NaN; reads turn NULL back into NaN).
  Statement& bind(int i, double v);
  Statement& bind(int i, const std::string& v);
  Statement& bind_null(int i);

  // Steps once: true when a row is ready, false when done. Throws on errors.
  bool step();
  // Steps to completion (statements that return no rows) and resets for reuse.
  void run();
  void reset();

  int64_t integer(int col) const;
  double real(int col) const;  // NULL reads as NaN
  std::string text(int col) const;
  bool is_null(int col) const;
  int columns() const;
  std::string column_name(int col) const;

 private:
  Db& db_;
  sqlite3_stmt* st_ = nullptr;
  std::string sql_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed without commit().
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool open_ = true;
};

}  // namespace qrsweep::store_detail
