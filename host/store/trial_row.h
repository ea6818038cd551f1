// A TrialRecord as one row of the trials table (the columns of schema.h's trial_columns()).
#pragma once
#include "qrsweep/store.h"
#include "store/sqlite_db.h"

namespace qrsweep::store_detail {

// Binds every column of trial_columns(), in order, to parameters first, first + 1, ...
void bind_trial(Statement& s, int first, const TrialRecord& r);
// Reads a row selected as trial_columns(). Throws DataError naming the store when a value
// is not one qrsweep writes.
TrialRecord read_trial(const Statement& s, const std::string& store_path);

}  // namespace qrsweep::store_detail
