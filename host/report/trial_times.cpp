// Reading trial timestamps from a store, read-only (see trial_times.h).
#include "report/trial_times.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <memory>

#include "qrsweep/common.h"

namespace qrsweep::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

std::string column_text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

double parse_utc(const std::string& text, double* resolution) {
  int y, mo, d, h, mi, sec, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) !=
      6)
    return kNaN;
  double frac = 0, weight = 1;
  size_t i = static_cast<size_t>(used);
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      weight /= 10;
      frac += (text[i] - '0') * weight;
    }
  }
  if (i >= text.size() || text[i] != 'Z' || i + 1 != text.size()) return kNaN;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  if (resolution) *resolution = weight;
  return static_cast<double>(timegm(&tm)) + frac;
}

double finish_estimate(const TrialTimes& t, double trial_seconds) {
  if (!std::isfinite(t.finished)) return kNaN;
  const double r = t.resolution;
  if (!std::isfinite(t.started) || !std::isfinite(trial_seconds)) return t.finished + r / 2;
  // The true finish lies in [finished, finished + r) and in
  // [started + seconds, started + seconds + r): take the middle of what both allow.
  const double lo = std::max(t.finished, t.started + trial_seconds);
  const double hi = std::min(t.finished + r, t.started + trial_seconds + r);
  return lo <= hi ? (lo + hi) / 2 : t.finished + r / 2;
}

std::map<int, TrialTimes> read_trial_times(const std::string& store_path) {
  std::map<int, TrialTimes> out;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(store_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK) throw Error("cannot open " + store_path + ": " + sqlite3_errstr(rc));
  sqlite3_busy_timeout(db.get(), 5000);  // a writer's checkpoint may hold a lock briefly
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db.get(), "SELECT trial, started_at, finished_at FROM trials", -1, &st,
                         nullptr) != SQLITE_OK)
    return out;  // no such columns: a schema without timestamps
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt(st);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    TrialTimes t;
    double r1 = 1, r2 = 1;
    t.started = parse_utc(column_text(st, 1), &r1);
    t.finished = parse_utc(column_text(st, 2), &r2);
    t.resolution = std::max(r1, r2);
    out[sqlite3_column_int(st, 0)] = t;
  }
  if (step != SQLITE_DONE) throw Error("reading " + store_path + ": " + sqlite3_errmsg(db.get()));
  return out;
}

}  // namespace qrsweep::report
