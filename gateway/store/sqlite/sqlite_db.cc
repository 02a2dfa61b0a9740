#include "gateway/store/sqlite/sqlite_db.h"

#include "gateway/core/log.h"

namespace easgate {

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::bind_one(int index, std::string_view v) {
  // SQLITE_TRANSIENT: SQLite copies, so temporaries passed to bind() are safe.
  sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void SqliteStatement::bind_one(int index, SqliteBlob v) {
  // A zero-length blob still binds as an empty BLOB, not NULL (data pointer non-null).
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, v.bytes.empty() ? &kEmpty : v.bytes.data(), v.bytes.size(),
                      SQLITE_TRANSIENT);
}

Result<bool> SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(sqlite3_sql(stmt_), rc);
}

Status SqliteStatement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row) return row.status();
    if (!*row) break;
  }
  // Reset so the same statement can be bound again (a loop of INSERTs).
  sqlite3_reset(stmt_);
  return Status::ok();
}

std::string SqliteStatement::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string SqliteStatement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path,
                                                  int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return Status::internal("open state database " + path + ": " + msg);
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  // WAL: readers never block the writer and a crash leaves the last committed
  // transaction intact. synchronous=NORMAL: in WAL mode a power loss may drop the last
  // commits but never corrupts; an application crash loses nothing committed.
  if (path != ":memory:") {
    Result<SqliteStatement> wal = db->prepare("PRAGMA journal_mode=WAL");
    if (!wal) return wal.status();
    Result<bool> row = wal->step();
    if (!row) return row.status().prefixed("enable WAL on " + path);
    std::string mode = *row ? wal->text(0) : "";
    if (mode != "wal") {
      log_warn("store").msg("WAL not available; using rollback journal").kv("path", path)
          .kv("journal_mode", mode);
    }
  }
  Status s = db->exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  if (!s) return std::move(s).prefixed("configure " + path);
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteDb::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return error(msg, rc);
}

Result<SqliteStatement> SqliteDb::prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return SqliteStatement(this, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(std::string("prepare: ") + sql, rc);
  statements_.emplace(sql, stmt);
  return SqliteStatement(this, stmt);
}

Status SqliteDb::error(std::string_view what, int rc) const {
  std::string msg = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db_ != nullptr && sqlite3_errcode(db_) == rc) msg += " (" + std::string(sqlite3_errmsg(db_)) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::timeout("state database busy: " + msg);
    case SQLITE_CONSTRAINT:
      return Status::conflict(msg);
    default:
      return Status::internal(msg);
  }
}

Status SqliteTransaction::begin() {
  Result<SqliteStatement> stmt = db_->prepare("BEGIN IMMEDIATE");
  if (!stmt) return stmt.status();
  Status s = stmt->run();
  if (s) open_ = true;
  return s;
}

SqliteTransaction::~SqliteTransaction() {
  if (!open_) return;
  Result<SqliteStatement> stmt = db_->prepare("ROLLBACK");
  // A failed ROLLBACK means SQLite already rolled back (e.g. after SQLITE_FULL).
  if (stmt) (void)stmt->run();
}

Status SqliteTransaction::commit() {
  Result<SqliteStatement> stmt = db_->prepare("COMMIT");
  if (!stmt) return stmt.status();
  Status s = stmt->run();
  if (s) open_ = false;
  return s;
}

}  // namespace easgate
