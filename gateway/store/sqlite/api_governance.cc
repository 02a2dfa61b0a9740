// Governance added through the admin API (schema 3): device access rules with their
// conditions, policy assignments, and the revision counter that tells workers to re-read.

#include "gateway/store/sqlite/sqlite_state_store_impl.h"
#include "gateway/store/store_enums.h"

namespace easgate {
namespace {

// Names and patterns come from an admin, but through HTTP: keep them row-sized.
constexpr size_t kMaxRuleText = 256;
constexpr size_t kMaxConditions = 16;

std::string lower_ascii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

Status check_rule(const StoredAccessRule& rule) {
  if (rule.name.empty() || rule.name.size() > kMaxRuleText) {
    return Status::invalid_argument("rule name must be 1 to 256 characters");
  }
  if (rule.action.empty()) return Status::invalid_argument("rule " + rule.name + " has no action");
  if (rule.conditions.empty() || rule.conditions.size() > kMaxConditions) {
    return Status::invalid_argument("rule " + rule.name + " needs 1 to 16 conditions");
  }
  for (const StoredRuleCondition& c : rule.conditions) {
    if (c.field.empty() || c.kind.empty() || c.pattern.empty() || c.pattern.size() > kMaxRuleText) {
      return Status::invalid_argument("rule " + rule.name + " has an empty or oversized condition");
    }
  }
  return Status::ok();
}

}  // namespace

Status SqliteStateStore::bump_governance_revision() {
  Result<SqliteStatement> stmt =
      db_->prepare("UPDATE governance_revision SET revision = revision + 1");
  if (!stmt) return stmt.status();
  return stmt->run();
}

Result<int64_t> SqliteStateStore::governance_revision() {
  Result<SqliteStatement> stmt = db_->prepare("SELECT revision FROM governance_revision");
  if (!stmt) return stmt.status();
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::internal("governance_revision table is empty");
  return stmt->int64(0);
}

Result<uint32_t> SqliteStateStore::add_access_rule(const StoredAccessRule& rule) {
  if (Status s = check_rule(rule); !s) return s;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  int64_t count = 0;
  {
    Result<SqliteStatement> stmt = db_->prepare("SELECT count(*) FROM access_rules");
    if (!stmt) return stmt.status();
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    count = *row ? stmt->int64(0) : 0;
  }
  {
    Result<SqliteStatement> stmt =
        db_->prepare("SELECT name FROM access_rules WHERE name = ? COLLATE NOCASE");
    if (!stmt) return stmt.status();
    stmt->bind(rule.name);
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (*row) return Status::conflict("a rule named \"" + stmt->text(0) + "\" already exists");
  }
  const int64_t position = rule.position == 0 ? count + 1 : rule.position;
  if (position > count + 1) {
    return Status::invalid_argument("position must be from 1 to " + std::to_string(count + 1));
  }
  {
    Result<SqliteStatement> shift =
        db_->prepare("UPDATE access_rules SET position = position + 1 WHERE position >= ?");
    if (!shift) return shift.status();
    if (Status s = shift->bind(position).run(); !s) return s;
  }
  {
    Result<SqliteStatement> insert = db_->prepare(
        "INSERT INTO access_rules (name, position, action, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!insert) return insert.status();
    insert->bind(rule.name, position, rule.action, rule.created_by, to_unix_ms(rule.created_at));
    if (Status s = insert->run(); !s) return s;
  }
  Result<SqliteStatement> cond = db_->prepare(
      "INSERT INTO access_rule_conditions (rule_name, idx, field, kind, pattern) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!cond) return cond.status();
  int64_t idx = 0;
  for (const StoredRuleCondition& c : rule.conditions) {
    if (Status s = cond->bind(rule.name, idx++, c.field, c.kind, c.pattern).run(); !s) return s;
  }
  if (Status s = bump_governance_revision(); !s) return s;
  if (Status s = txn.commit(); !s) return s;
  return static_cast<uint32_t>(position);
}

Status SqliteStateStore::remove_access_rule(const std::string& name) {
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  int64_t position = 0;
  {
    Result<SqliteStatement> stmt =
        db_->prepare("SELECT position FROM access_rules WHERE name = ? COLLATE NOCASE");
    if (!stmt) return stmt.status();
    stmt->bind(name);
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) return Status::not_found("no rule named \"" + name + "\" was added through the API");
    position = stmt->int64(0);
  }
  {
    // Conditions go with the rule (ON DELETE CASCADE).
    Result<SqliteStatement> del =
        db_->prepare("DELETE FROM access_rules WHERE name = ? COLLATE NOCASE");
    if (!del) return del.status();
    if (Status s = del->bind(name).run(); !s) return s;
  }
  Result<SqliteStatement> shift =
      db_->prepare("UPDATE access_rules SET position = position - 1 WHERE position > ?");
  if (!shift) return shift.status();
  if (Status s = shift->bind(position).run(); !s) return s;
  if (Status s = bump_governance_revision(); !s) return s;
  return txn.commit();
}

Result<std::vector<StoredAccessRule>> SqliteStateStore::list_access_rules() {
  // One query: rules joined with their conditions, in evaluation order.
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT r.name, r.position, r.action, r.created_by, r.created_at, c.field, c.kind, "
      "c.pattern FROM access_rules r LEFT JOIN access_rule_conditions c ON c.rule_name = r.name "
      "ORDER BY r.position, r.name, c.idx");
  if (!stmt) return stmt.status();
  std::vector<StoredAccessRule> out;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    std::string name = stmt->text(0);
    if (out.empty() || out.back().name != name) {
      StoredAccessRule r;
      r.name = std::move(name);
      r.position = static_cast<uint32_t>(stmt->int64(1));
      r.action = stmt->text(2);
      r.created_by = stmt->text(3);
      r.created_at = from_unix_ms(stmt->int64(4));
      out.push_back(std::move(r));
    }
    if (!stmt->is_null(5)) {
      out.back().conditions.push_back({stmt->text(5), stmt->text(6), stmt->text(7)});
    }
  }
  return out;
}

Status SqliteStateStore::set_policy_assignment(const PolicyAssignmentRecord& a) {
  if (a.assignee.empty() || a.assignee.size() > kMaxRuleText || a.policy_name.empty()) {
    return Status::invalid_argument("a policy assignment needs an assignee and a policy name");
  }
  const std::string assignee = a.kind == AssigneeKind::kUser ? lower_ascii(a.assignee) : a.assignee;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "INSERT INTO policy_assignments (assignee_kind, assignee, policy_name, assigned_by, "
      "assigned_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (assignee_kind, assignee) DO UPDATE "
      "SET policy_name = excluded.policy_name, assigned_by = excluded.assigned_by, "
      "assigned_at = excluded.assigned_at");
  if (!stmt) return stmt.status();
  stmt->bind(assignee_kind_name(a.kind), assignee, a.policy_name, a.assigned_by,
             to_unix_ms(a.assigned_at));
  if (Status s = stmt->run(); !s) return s;
  if (Status s = bump_governance_revision(); !s) return s;
  return txn.commit();
}

Status SqliteStateStore::remove_policy_assignment(AssigneeKind kind, const std::string& assignee) {
  const std::string key = kind == AssigneeKind::kUser ? lower_ascii(assignee) : assignee;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  Result<SqliteStatement> stmt =
      db_->prepare("DELETE FROM policy_assignments WHERE assignee_kind = ? AND assignee = ?");
  if (!stmt) return stmt.status();
  if (Status s = stmt->bind(assignee_kind_name(kind), key).run(); !s) return s;
  if (db_->changes() == 0) {
    return Status::not_found(std::string(assignee_kind_name(kind)) + " " + assignee +
                             " has no policy assigned through the API");
  }
  if (Status s = bump_governance_revision(); !s) return s;
  return txn.commit();
}

Result<std::vector<PolicyAssignmentRecord>> SqliteStateStore::list_policy_assignments() {
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT assignee_kind, assignee, policy_name, assigned_by, assigned_at "
      "FROM policy_assignments ORDER BY assignee_kind DESC, assignee");  // 'user' > 'group'
  if (!stmt) return stmt.status();
  std::vector<PolicyAssignmentRecord> out;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    PolicyAssignmentRecord a;
    if (!parse_assignee_kind(stmt->text(0), &a.kind)) {
      return Status::internal("policy assignment of unknown kind \"" + stmt->text(0) + "\"");
    }
    a.assignee = stmt->text(1);
    a.policy_name = stmt->text(2);
    a.assigned_by = stmt->text(3);
    a.assigned_at = from_unix_ms(stmt->int64(4));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace easgate
