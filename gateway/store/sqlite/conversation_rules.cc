// "Always move" conversation rules (schema 6, table conversation_rules): MS-ASCON 2.2.2.8
// MoveAlways, per user and ConversationId.

#include "gateway/store/sqlite/sqlite_state_store_impl.h"

namespace easgate {

Status SqliteStateStore::put_conversation_rule(const std::string& user_id,
                                               const ConversationRule& rule) {
  // A ConversationId is 16 bytes (MS-ASCON 2.2.2.3); refuse junk before it becomes a row.
  if (user_id.empty() || rule.conversation_id.empty() || rule.conversation_id.size() > 256 ||
      rule.destination.empty())
    return Status::invalid_argument("conversation rule without user, id or destination");
  Result<SqliteStatement> stmt = db_->prepare(
      "INSERT INTO conversation_rules (user_id, conversation_id, destination, created_at) "
      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id, conversation_id) "
      "DO UPDATE SET destination = excluded.destination, created_at = excluded.created_at");
  if (!stmt) return stmt.status();
  return stmt
      ->bind(user_id, SqliteBlob{rule.conversation_id}, rule.destination,
             to_unix_ms(rule.created))
      .run();
}

Result<std::vector<ConversationRule>> SqliteStateStore::list_conversation_rules(
    const std::string& user_id) {
  std::vector<ConversationRule> out;
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT conversation_id, destination, created_at FROM conversation_rules "
      "WHERE user_id = ?1 ORDER BY created_at, conversation_id");
  if (!stmt) return stmt.status();
  stmt->bind(user_id);
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    ConversationRule r;
    r.conversation_id = stmt->blob(0);
    r.destination = stmt->text(1);
    r.created = from_unix_ms(stmt->int64(2));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace easgate
