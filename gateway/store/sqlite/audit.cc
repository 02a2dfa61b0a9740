// Audit log: append-only record of governance actions (who blocked, wiped, disabled).

#include "gateway/store/sqlite/sqlite_state_store_impl.h"

namespace easgate {

Result<int64_t> SqliteStateStore::append_audit(const AuditEntry& entry) {
  if (entry.action.empty()) return Status::invalid_argument("audit entry without action");
  Result<SqliteStatement> stmt = db_->prepare(
      "INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)");
  if (!stmt) return stmt.status();
  stmt->bind(to_unix_ms(entry.at), entry.actor, entry.action, entry.target, entry.details);
  if (Status s = stmt->run(); !s) return s;
  return db_->last_insert_rowid();
}

Result<std::vector<AuditEntry>> SqliteStateStore::list_audit(StoreTime since, size_t limit) {
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT id, at, actor, action, target, details FROM audit_log WHERE at >= ? "
      "ORDER BY at, id LIMIT ?");
  if (!stmt) return stmt.status();
  // SQLite LIMIT is signed; clamp so a huge size_t does not become -1 (= no limit anyway).
  const int64_t max_rows = limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX
                                                                   : static_cast<int64_t>(limit);
  stmt->bind(to_unix_ms(since), max_rows);
  std::vector<AuditEntry> entries;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    AuditEntry e;
    e.id = stmt->int64(0);
    e.at = from_unix_ms(stmt->int64(1));
    e.actor = stmt->text(2);
    e.action = stmt->text(3);
    e.target = stmt->text(4);
    e.details = stmt->text(5);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace easgate
