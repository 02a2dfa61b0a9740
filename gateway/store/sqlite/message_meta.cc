// Per-message metadata the sync engine keeps beside IMAP (schema 4, table message_meta):
// opaque text per (user, mailbox, UIDVALIDITY, UID).

#include "gateway/store/sqlite/sqlite_state_store_impl.h"

namespace easgate {

Status SqliteStateStore::put_message_meta(const MessageMetaKey& key, uint32_t uid,
                                          std::string_view meta, StoreTime now) {
  if (key.user_id.empty() || key.mailbox.empty())
    return Status::invalid_argument("message meta key without user or mailbox");
  if (meta.empty()) {
    Result<SqliteStatement> stmt = db_->prepare(
        "DELETE FROM message_meta WHERE user_id = ?1 AND mailbox = ?2 AND uidvalidity = ?3 "
        "AND uid = ?4");
    if (!stmt) return stmt.status();
    return stmt->bind(key.user_id, key.mailbox, key.uidvalidity, uid).run();
  }
  Result<SqliteStatement> stmt = db_->prepare(
      "INSERT INTO message_meta (user_id, mailbox, uidvalidity, uid, meta, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (user_id, mailbox, uidvalidity, uid) "
      "DO UPDATE SET meta = excluded.meta, updated_at = excluded.updated_at");
  if (!stmt) return stmt.status();
  return stmt
      ->bind(key.user_id, key.mailbox, key.uidvalidity, uid, SqliteBlob{meta}, to_unix_ms(now))
      .run();
}

Result<std::vector<std::pair<uint32_t, std::string>>> SqliteStateStore::list_message_meta(
    const MessageMetaKey& key) {
  std::vector<std::pair<uint32_t, std::string>> out;
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT uid, meta FROM message_meta WHERE user_id = ?1 AND mailbox = ?2 AND "
      "uidvalidity = ?3 ORDER BY uid");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.mailbox, key.uidvalidity);
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    out.emplace_back(static_cast<uint32_t>(stmt->int64(0)), stmt->blob(1));
  }
  return out;
}

}  // namespace easgate
