// "Always move" conversation rules (schema 6, table conversation_rules): MS-ASCON 2.2.2.8
// MoveAlways, per user and ConversationId.
//
// created_at is the last time the rule was set or applied (the Sync engine writes the rule
// again when it moves a new message). A rule idle longer than kRuleIdleLimit is deleted
// when the user's next rule is written: MS-OXOCFG 2.2.8 / 3.1.6.1 let conversation actions
// lapse after a period of disuse, so the table stays the size of the user's live
// conversations without a sweep or a migration.

#include <chrono>

#include "gateway/store/sqlite/sqlite_state_store_impl.h"

namespace easgate {
namespace {

// Same limit as kConversationRuleIdleLimit in gateway/commands/conversation.h, which the
// Sync engine uses to ignore a lapsed rule before it is pruned here.
constexpr std::chrono::hours kRuleIdleLimit{24 * 30};

}  // namespace

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
  Status put = stmt->bind(user_id, SqliteBlob{rule.conversation_id}, rule.destination,
                          to_unix_ms(rule.created))
                   .run();
  if (!put.is_ok()) return put;
  Result<SqliteStatement> prune =
      db_->prepare("DELETE FROM conversation_rules WHERE user_id = ?1 AND created_at < ?2");
  if (!prune) return prune.status();
  return prune->bind(user_id, to_unix_ms(rule.created - kRuleIdleLimit)).run();
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
