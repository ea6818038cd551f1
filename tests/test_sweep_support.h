// Helpers for the sweep, store and export tests: a small CSV dataset and space, whole-table
// dumps of a store for value-for-value comparisons, a qrsweep child process to signal.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.h"

namespace qrsweep::test {

// A dataset with label noise (one row in five relabelled), so losses stay well above 0
// and trials differ, written as train.csv / test.csv under `dir`.
inline void write_noisy_csv(const TempDir& dir, int train_rows, int test_rows, int dim,
                            int classes) {
  auto write = [&](const std::string& name, int n, uint32_t seed) {
    Dataset d = synthetic_dataset(n, dim, classes, seed);
    std::ostringstream csv;
    for (int i = 0; i < d.n; ++i) {
      int label = d.y[i];
      if ((i * 7919 + 13) % 5 == 0) label = (label + 1 + i % (classes - 1)) % classes;
      csv << label;
      for (int k = 0; k < d.dim; ++k) csv << ',' << int(d.x[size_t(i) * d.dim + k]);
      csv << '\n';
    }
    write_file(dir.file(name), csv.str());
  };
  write("train.csv", train_rows, 11);
  write("test.csv", test_rows, 12);
}

// A space file over write_noisy_csv's data; `extra` adds top-level keys and tables.
inline std::string tiny_space(const TempDir& dir, const std::string& extra, int validation,
                              int classes) {
  return extra + "\n[data]\nformat = \"csv\"\ntrain_csv = \"" + dir.file("train.csv") +
         "\"\ntest_csv = \"" + dir.file("test.csv") +
         "\"\nvalidation = " + std::to_string(validation) +
         "\nclasses = " + std::to_string(classes) + "\n";
}

// Every row of `table` (ORDER BY its first column(s)), each as "col=value|..." with
// values at full precision, leaving out `skip` columns (wall-clock times).
inline std::vector<std::string> dump_table(const std::string& db_path, const std::string& table,
                                           const std::string& order_by,
                                           const std::set<std::string>& skip) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path);
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* st = nullptr;
  const std::string sql = "SELECT * FROM " + table + " ORDER BY " + order_by;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::string why = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(db_path + ": " + why);
  }
  std::vector<std::string> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const std::string name = sqlite3_column_name(st, c);
      if (skip.count(name)) continue;
      row += name + "=";
      switch (sqlite3_column_type(st, c)) {
        case SQLITE_NULL:
          row += "NULL";
          break;
        case SQLITE_INTEGER:
          row += std::to_string(sqlite3_column_int64(st, c));
          break;
        case SQLITE_FLOAT: {
          char buf[40];
          std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, c));
          row += buf;
          break;
        }
        default:
          row += reinterpret_cast<const char*>(sqlite3_column_text(st, c));
          break;
      }
      row += "|";
    }
    rows.push_back(row);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

// The first column of a query's first row as text, read-only (works while a sweep
// writes); "" when the file is missing, is not a database or the query fails.
inline std::string query_text(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string v;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return v;
}

// The same as an integer; -1 when there is no answer (no store yet, no such table).
inline long long query_int(const std::string& db_path, const std::string& sql) {
  const std::string v = query_text(db_path, sql);
  return v.empty() ? -1 : std::stoll(v);
}

// The columns that hold wall-clock times: everything else must match between runs.
inline const std::set<std::string>& wall_clock_columns() {
  static const std::set<std::string> s = {"seconds", "started_at", "finished_at"};
  return s;
}

// `qrsweep ARGS...` as a child process, its output in `log` (`binary`: another build of
// the CLI, such as the one on the slow VFS).
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& log,
        const char* binary = QRSWEEP_BINARY) {
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(binary, argv.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  // Whether it has exited (reaping it); `status` as run_command reports it.
  bool exited(int* status) {
    if (reaped_) {
      *status = status_;
      return true;
    }
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) != pid_) return false;
    reaped_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    *status = status_;
    return true;
  }
  int wait() {
    int status = 0;
    while (!exited(&status)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return status;
  }
  void signal(int signo) {
    if (!reaped_) kill(pid_, signo);  // a reaped pid may already be another process
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
};

// Polls `cond` every millisecond for up to `seconds`; true when it held.
template <class F>
bool wait_until(F cond, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return cond();
}

// Paused trials' files in DIR/paused (successive halving); 0 when there is no such folder.
inline int paused_files(const std::string& dir) {
  int n = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir + "/paused", ec))
    n += f.path().extension() == ".bin";
  return n;
}

// `qrsweep ARGS` (`binary`) run `times` times into sweep directory `dir`, each run killed
// with SIGKILL once some trial is paused there and more trials have ended than before it
// (logs LOG_PREFIX0, 1, ...). True when at least one kill hit a run in that state.
inline bool kill_nine_while_paused(const std::vector<std::string>& args, const std::string& dir,
                                   const std::string& log_prefix, int times,
                                   const char* binary = QRSWEEP_BINARY) {
  auto ended = [&] {  // -1 before the store exists
    return query_int(dir + "/store.sqlite",
                     "SELECT count(*) FROM trials WHERE status IN ('done', 'diverged', 'failed')");
  };
  bool hit = false;
  for (int round = 0; round < times; ++round) {
    const long long before = ended();
    Child c(args, log_prefix + std::to_string(round), binary);
    const bool paused = wait_until([&] { return paused_files(dir) > 0 && ended() > before; }, 60);
    c.signal(SIGKILL);
    if (c.wait() == 128 + SIGKILL && paused) hit = true;
  }
  return hit;
}

}  // namespace qrsweep::test
