#pragma once
// The SQLite schema as an ordered list of migrations, applied at open in one transaction.

#include "gateway/core/status.h"
#include "gateway/store/sqlite/sqlite_db.h"

namespace easgate {

// Newest schema this build knows. A database with a higher version was written by a newer
// easgate; opening it is refused rather than risking writes the newer code cannot read.
int sqlite_latest_schema_version();

// Brings `db` to the latest version: creates schema_version when missing, refuses a newer
// database (kUnsupported), applies every missing migration in order, all in one IMMEDIATE
// transaction so concurrent openers of a fresh file migrate it exactly once.
Status migrate_sqlite_schema(SqliteDb& db);

// Version recorded in the database.
Result<int> read_sqlite_schema_version(SqliteDb& db);

}  // namespace easgate
