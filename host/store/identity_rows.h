// The sweep_identity row of a store (schema version 2): the plan format that drew the
// trials and the identity of the data they ran on. Version-1 stores have none.
#pragma once
#include "qrsweep/store.h"
#include "store/sqlite_db.h"

namespace qrsweep::store_detail {

// Fills r.plan_version and r.data from the row; leaves them unset (0, nullopt) when the
// store has no such table or row. DataError naming `path` for a malformed hash.
void read_identity_row(Db& db, const std::string& path, SweepRecord& r);
// Writes (or replaces) the row from r.plan_version and r.data.
void write_identity_row(Db& db, const SweepRecord& r);

}  // namespace qrsweep::store_detail
