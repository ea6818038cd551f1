// The store's SQL schema (version kStoreSchemaVersion) and the checks run when a store
// file is opened: is it SQLite, is it qrsweep's, is it a version this build reads.
#pragma once
#include <string>
#include <vector>

#include "store/sqlite_db.h"

namespace qrsweep::store_detail {

// The trials table's columns, in table order: a trial's fields (core/trial_fields.h's
// store_fields()), then its results. The statements that write and read trials share it.
const std::vector<std::string>& trial_column_names();
// trial_column_names() as "trial, seed, ...".
const std::string& trial_columns();

// Creates every table and sets PRAGMA user_version; call inside a transaction.
void create_schema(Db& db);
// Adds what version 2 added to a version-1 store (the sweep_identity table) and sets
// PRAGMA user_version; call inside a transaction.
void upgrade_schema(Db& db);
// Whether the database holds a table of that name.
bool has_table(Db& db, const char* name);

// What an opened file holds, before anything is written to it.
enum class FileKind { kEmpty, kStore };
// Reads user_version and the table list. Throws DataError when the file is not a qrsweep
// store (garbage, another program's database), Error when its version is newer than this
// build's; nothing is written either way.
FileKind inspect(Db& db, int* version);

// Sets the connection up for writing: WAL journal, synchronous = FULL, foreign keys on.
void configure_writer(Db& db);

}  // namespace qrsweep::store_detail
