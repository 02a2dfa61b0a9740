#pragma once
// RAII wrapper over one SQLite connection: cached prepared statements, typed binding, and
// IMMEDIATE transactions. Internal to gateway/store/sqlite. Not thread-safe (one
// connection per thread, like the StateStore that owns it).

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "gateway/core/status.h"

namespace easgate {

class SqliteDb;

// Marks a string to be bound as a BLOB (opaque bytes) rather than TEXT.
struct SqliteBlob {
  std::string_view bytes;  // not copied until bound; SQLite copies on bind
};

// A cached prepared statement borrowed for one use; resets and clears its bindings when
// destroyed so the next borrower starts clean. Parameters are bound by position (1-based).
class SqliteStatement {
 public:
  SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  SqliteStatement& operator=(SqliteStatement&&) = delete;

  // Binds arguments to parameters 1..N: integers, bool, strings, std::nullptr_t (NULL).
  template <typename... Args>
  SqliteStatement& bind(const Args&... args) {
    int index = 1;
    (bind_one(index++, args), ...);
    return *this;
  }

  // Steps once. true: a row is available; false: the statement finished.
  Result<bool> step();
  // Steps to the end, ignoring rows (INSERT/UPDATE/DELETE), then resets so the statement
  // can be bound and run again.
  Status run();

  int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const;
  std::string blob(int column) const;
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  void bind_one(int index, std::nullptr_t) { sqlite3_bind_null(stmt_, index); }
  void bind_one(int index, std::string_view v);
  void bind_one(int index, SqliteBlob v);
  void bind_one(int index, const std::string& v) { bind_one(index, std::string_view(v)); }
  void bind_one(int index, const char* v) { bind_one(index, std::string_view(v)); }
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  void bind_one(int index, T v) {
    sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(v));
  }

  SqliteDb* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) `path`; ":memory:" gives a private in-memory database.
  // Sets WAL (file databases), synchronous=NORMAL, foreign_keys=ON and busy_timeout.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without results (DDL, pragmas, BEGIN/COMMIT).
  Status exec(const char* sql);
  // The cached statement for `sql` (prepared on first use), keyed by its text: pass
  // constant SQL with parameters, never SQL built from data, or the cache grows unbounded.
  Result<SqliteStatement> prepare(const char* sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const { return sqlite3_changes64(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

  // A Status for SQLite result code `rc` while doing `what`: busy/locked -> kTimeout,
  // constraint -> kConflict, anything else -> kInternal.
  Status error(std::string_view what, int rc) const;

  const std::string& path() const { return path_; }

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE ... COMMIT. IMMEDIATE takes the write lock up front: a deferred
// transaction that reads first and writes later can fail with SQLITE_BUSY without the busy
// handler ever running (a lock upgrade in WAL mode), which would turn two workers racing
// into an error instead of a short wait. Rolls back unless commit() succeeded.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db) : db_(&db) {}
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  Status begin();
  Status commit();

 private:
  SqliteDb* db_;
  bool open_ = false;
};

}  // namespace easgate
