#pragma once
// The default StateStore: an embedded SQLite database (DESIGN.md "State").

#include <memory>
#include <string>

#include "gateway/core/status.h"
#include "gateway/store/state_store.h"

namespace easgate {

// How long a connection waits for another connection's write lock before giving up with
// kTimeout. Writes are short (one request's bookkeeping), so seconds mean something is wrong.
inline constexpr int kSqliteBusyTimeoutMs = 5000;

// Opens (creating if needed) the database at `path` and migrates it to the latest schema.
// ":memory:" gives a private in-memory database (tests). Each worker thread opens its own
// store; the returned object is one connection and is not thread-safe.
// Fails with kUnsupported when the file was written by a newer schema version and with
// kInternal when the file cannot be opened or is not a database.
Result<std::unique_ptr<StateStore>> open_sqlite_state_store(
    const std::string& path, int busy_timeout_ms = kSqliteBusyTimeoutMs);

}  // namespace easgate
