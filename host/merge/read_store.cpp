// Reading one store whole for a merge (merge.h) in one snapshot, without writing beside
// it (store/read_snapshot.h): shards may sit on read-only media or still be running.
#include <sys/stat.h>

#include "qrsweep/common.h"
#include "qrsweep/merge.h"
#include "store/read_snapshot.h"
#include "store/record_rows.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/trial_row.h"

namespace qrsweep {

namespace {

using store_detail::Db;
using store_detail::Statement;

void read_all(Db& db, const std::string& path, StoreContents& c) {
  int version = 0;
  if (store_detail::inspect(db, &version) != store_detail::FileKind::kStore)
    throw DataError(path + " is an empty file, not a qrsweep store");
  c.sweep = store_detail::read_sweep_row(db, path);
  {
    Statement s(db, "SELECT " + store_detail::trial_columns() + " FROM trials ORDER BY trial");
    while (s.step()) c.trials.push_back(store_detail::read_trial(s, path));
  }
  for (const TrialRecord& t : c.trials)
    if (is_finished(t.status))
      c.epochs[t.config.index] = store_detail::read_epoch_rows(db, t.config.index);
  c.test = store_detail::read_test_row(db);
}

}  // namespace

StoreContents read_store_contents(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw ConfigError("no store at " + path);
  if (st.st_size == 0) throw DataError(path + " is an empty file, not a qrsweep store");
  StoreContents c;
  store_detail::read_snapshot(path, [&](Db& db) {
    c = StoreContents{};  // a read run again starts afresh
    c.path = path;
    read_all(db, path, c);
  });
  return c;
}

}  // namespace qrsweep
