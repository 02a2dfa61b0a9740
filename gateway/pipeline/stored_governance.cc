#include "gateway/pipeline/stored_governance.h"

#include <algorithm>

#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"

namespace easgate {
namespace {

// One worker thread's copies, keyed by store connection (a worker has exactly one; unit
// tests may open several on one thread).
struct ThreadCopies {
  std::vector<std::pair<const StateStore*, std::shared_ptr<const StoredGovernance>>> by_store;
  std::shared_ptr<const StoredGovernance> last;
};

ThreadCopies& thread_copies() {
  thread_local ThreadCopies copies;
  return copies;
}

const std::shared_ptr<const StoredGovernance>& empty_copy() {
  static const std::shared_ptr<const StoredGovernance> kEmpty =
      std::make_shared<const StoredGovernance>();
  return kEmpty;
}

void degraded(Metrics* metrics, const char* cause, const Status& why) {
  if (metrics) metrics->record_degraded(cause);
  if (first_time_for_cause(cause)) {
    log_warn("governance")
        .msg("cannot read admin API rules and assignments; using the last copy")
        .kv("cause", cause)
        .kv("error", why.to_string());
  }
}

std::shared_ptr<const StoredGovernance> stored_governance_at(StateStore& store, Metrics* metrics,
                                                             Result<int64_t> revision);

}  // namespace

Result<DeviceAccessRule> to_access_rule(const StoredAccessRule& row) {
  DeviceAccessRule rule;
  rule.name = row.name;
  if (!parse_access_action(row.action, &rule.action)) {
    return Status::invalid_argument("unknown action \"" + row.action + "\"");
  }
  if (row.conditions.empty()) return Status::invalid_argument("no conditions");
  for (const StoredRuleCondition& c : row.conditions) {
    MatchCondition m;
    if (!parse_match_field(c.field, &m.field)) {
      return Status::invalid_argument("unknown match field \"" + c.field + "\"");
    }
    if (!parse_match_kind(c.kind, &m.kind)) {
      return Status::invalid_argument("unknown match kind \"" + c.kind + "\"");
    }
    m.pattern = c.pattern;
    rule.conditions.push_back(std::move(m));
  }
  return rule;
}

StoredGovernance convert_stored_governance(int64_t revision,
                                           const std::vector<StoredAccessRule>& rules,
                                           const std::vector<PolicyAssignmentRecord>& assignments) {
  StoredGovernance out;
  out.revision = revision;
  for (const StoredAccessRule& row : rules) {
    Result<DeviceAccessRule> rule = to_access_rule(row);
    if (!rule.is_ok()) {
      out.skipped.push_back(row.name + ": " + rule.status().message());
      continue;
    }
    out.rules.push_back(std::move(rule).value());
  }
  for (const PolicyAssignmentRecord& a : assignments) {
    if (a.kind == AssigneeKind::kUser) {
      out.assignments.by_user[ascii_lower(a.assignee)] = a.policy_name;
    } else {
      out.assignments.by_group.emplace_back(a.assignee, a.policy_name);
    }
  }
  // Several of a user's groups assigned through the API: the first group by name wins.
  std::sort(out.assignments.by_group.begin(), out.assignments.by_group.end());
  return out;
}

std::shared_ptr<const StoredGovernance> stored_governance(StateStore& store, Metrics* metrics) {
  return stored_governance_at(store, metrics, store.governance_revision());
}

std::shared_ptr<const StoredGovernance> stored_governance(StateStore& store, Metrics* metrics,
                                                          int64_t revision) {
  return stored_governance_at(store, metrics, revision);
}

namespace {

std::shared_ptr<const StoredGovernance> stored_governance_at(StateStore& store, Metrics* metrics,
                                                             Result<int64_t> revision) {
  ThreadCopies& copies = thread_copies();
  auto slot = std::find_if(copies.by_store.begin(), copies.by_store.end(),
                           [&](const auto& entry) { return entry.first == &store; });
  const std::shared_ptr<const StoredGovernance> cached =
      slot == copies.by_store.end() ? empty_copy() : slot->second;
  if (!revision.is_ok()) {
    degraded(metrics, "api_governance_unreadable", revision.status());
    return copies.last = cached;
  }
  if (*revision == cached->revision) return copies.last = cached;
  auto rules = store.list_access_rules();
  auto assignments = rules.is_ok() ? store.list_policy_assignments()
                                   : Result<std::vector<PolicyAssignmentRecord>>(rules.status());
  if (!rules.is_ok() || !assignments.is_ok()) {
    degraded(metrics, "api_governance_unreadable",
             rules.is_ok() ? assignments.status() : rules.status());
    return copies.last = cached;
  }
  auto fresh = std::make_shared<const StoredGovernance>(
      convert_stored_governance(*revision, *rules, *assignments));
  for (const std::string& why : fresh->skipped) {
    if (metrics) metrics->record_degraded("api_rule_unusable");
    log_warn("governance")
        .msg("skipping an admin API rule this easgate cannot evaluate")
        .kv("rule", why);
  }
  log_debug("governance")
      .msg("admin API rules and assignments reloaded")
      .kv("revision", *revision)
      .kv("rules", static_cast<int64_t>(fresh->rules.size()));
  if (slot == copies.by_store.end()) {
    copies.by_store.emplace_back(&store, fresh);
  } else {
    slot->second = fresh;
  }
  return copies.last = fresh;
}

}  // namespace

std::shared_ptr<const StoredGovernance> last_stored_governance() {
  const ThreadCopies& copies = thread_copies();
  return copies.last ? copies.last : empty_copy();
}

}  // namespace easgate
