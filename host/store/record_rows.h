// Reading the sweep, epochs and best rows of a store into records: one copy of the SQL
// and the column decoding for the Store and for the merge's snapshot reader.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "qrsweep/store.h"
#include "store/sqlite_db.h"

namespace qrsweep::store_detail {

// The sweep table's one row; DataError naming `path` when it is missing.
SweepRecord read_sweep_row(Db& db, const std::string& path);
// The epoch rows of one trial, in epoch order.
std::vector<EpochMetrics> read_epoch_rows(Db& db, int trial);
// The best/test row, when the sweep has one.
std::optional<TestRecord> read_test_row(Db& db);

}  // namespace qrsweep::store_detail
