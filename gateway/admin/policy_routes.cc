// /api/policies: Get-ActiveSyncMailboxPolicy and Set-CASMailbox -ActiveSyncMailboxPolicy.
//
// Policies themselves are defined in the YAML (governance.policies). Assignments made here
// persist in the state store and override the YAML's assignment for the same user or group
// (order: API user, YAML user, API group, YAML group, default). A device whose effective
// policy changes gets a new policy key on its next request and provisions again
// (MS-ASCMD 2.2.2: 142/144 from 14.0, HTTP 449 before).
//   POST /api/policies/{name}/assign   {"user": U} or {"group": G}
//   POST /api/policies/{name}/unassign {"user": U} or {"group": G}  (the API assignment only)

#include <cstdio>

#include "gateway/admin/admin_api_internal.h"
#include "gateway/admin/admin_metrics.h"
#include "gateway/config/governance_config.h"
#include "gateway/core/clock.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/pipeline/stored_governance.h"
#include "gateway/store/store_enums.h"

namespace easgate::admin_internal {
namespace {

// "alice@example.test (api), bob@example.test (yaml)": who gets `policy` by assignment.
struct Assigned {
  std::string users;   // assigned users with their source
  std::string groups;  // assigned groups with their source
};

void append(std::string* list, const std::string& who, const char* source) {
  *list += (list->empty() ? "" : ", ") + who + " (" + source + ")";
}

Assigned assigned_to(const ProvisioningPolicy& policy, const GovernanceConfig& governance,
                     const std::vector<PolicyAssignmentRecord>& api) {
  Assigned out;
  const PolicyAssignments& yaml = governance.policies.assignments();
  for (const PolicyAssignmentRecord& a : api) {
    if (a.policy_name != policy.name) continue;
    append(a.kind == AssigneeKind::kUser ? &out.users : &out.groups, a.assignee, "api");
  }
  for (const auto& [user, name] : yaml.by_user) {
    if (name == policy.name) append(&out.users, user, "yaml");
  }
  for (const auto& [group, name] : yaml.by_group) {
    if (name == policy.name) append(&out.groups, group, "yaml");
  }
  return out;
}

JsonValue policy_json(const ProvisioningPolicy& p, bool is_default, const Assigned& assigned) {
  const auto limit = [](const std::optional<uint32_t>& v) {
    return v ? JsonValue(*v) : JsonValue();
  };
  char key[16];
  std::snprintf(key, sizeof key, "%u", policy_key(p));
  JsonValue v = JsonValue::object();
  v.set("name", p.name)
      .set("default", is_default)
      .set("policy_key", key)
      .set("assigned_users", assigned.users)
      .set("assigned_groups", assigned.groups)
      .set("device_password_enabled", p.device_password_enabled)
      .set("min_device_password_length", limit(p.min_device_password_length))
      .set("alphanumeric_device_password_required", p.alphanumeric_device_password_required)
      .set("require_device_encryption", p.require_device_encryption)
      .set("max_inactivity_time_device_lock", limit(p.max_inactivity_time_device_lock))
      .set("max_device_password_failed_attempts", limit(p.max_device_password_failed_attempts))
      .set("allow_simple_device_password", p.allow_simple_device_password)
      .set("device_password_expiration", limit(p.device_password_expiration))
      .set("device_password_history", p.device_password_history)
      .set("password_recovery_enabled", p.password_recovery_enabled)
      .set("attachments_enabled", p.attachments_enabled)
      .set("max_attachment_size", limit(p.max_attachment_size))
      .set("allow_storage_card", p.allow_storage_card)
      .set("require_storage_card_encryption", p.require_storage_card_encryption)
      .set("allow_camera", p.allow_camera)
      .set("allow_wifi", p.allow_wifi)
      .set("allow_bluetooth", p.allow_bluetooth)
      .set("allow_html_email", p.allow_html_email)
      .set("max_email_age_filter", p.max_email_age_filter)
      .set("max_calendar_age_filter", p.max_calendar_age_filter)
      .set("max_email_body_truncation_size", p.max_email_body_truncation_size)
      .set("require_manual_sync_when_roaming", p.require_manual_sync_when_roaming)
      .set("allow_non_provisionable_devices", p.allow_non_provisionable_devices);
  return v;
}

// The {"user": U} or {"group": G} of an assign/unassign body.
struct Assignee {
  AssigneeKind kind = AssigneeKind::kUser;  // user or group
  std::string name;                         // as given (users are lower-cased on store)
};

Result<Assignee> parse_assignee(const Call& call, const GovernanceConfig& governance) {
  Result<JsonValue> body = parse_body(call, {"user", "group"});
  if (!body.is_ok()) return body.status();
  const JsonValue* user = body->find("user");
  const JsonValue* group = body->find("group");
  if ((user == nullptr) == (group == nullptr)) {
    return Status::invalid_argument("request body: give exactly one of \"user\" or \"group\"");
  }
  const JsonValue* value = user ? user : group;
  if (!value->is_string() || value->as_string().empty()) {
    return Status::invalid_argument(std::string("request body: \"") + (user ? "user" : "group") +
                                    "\" must be a non-empty string");
  }
  Assignee out{user ? AssigneeKind::kUser : AssigneeKind::kGroup, value->as_string()};
  if (Status s = check_id(user ? "user" : "group", out.name); !s.is_ok()) return s;
  if (group && !governance.groups.has_group(out.name)) {
    return Status::not_found("group \"" + out.name + "\" is not defined under governance.groups");
  }
  if (user) out.name = ascii_lower(out.name);
  return out;
}

AdminResponse assign(Call& call, const GovernanceConfig& governance,
                     const ProvisioningPolicy& policy, bool unassign) {
  const char* action = unassign ? "policy.unassign" : "policy.assign";
  Result<Assignee> who = parse_assignee(call, governance);
  if (!who.is_ok()) {
    record_action(call, action, "policy/" + policy.name, JsonValue::object(), who.status());
    return status_response(who.status());
  }
  const std::string target = std::string(assignee_kind_name(who->kind)) + "/" + who->name;
  // What the user (or a member) had before, for the audit entry and the answer.
  Result<std::vector<PolicyAssignmentRecord>> before = call.store.list_policy_assignments();
  if (!before.is_ok()) return status_response(before.status());
  std::string previous;
  for (const PolicyAssignmentRecord& a : *before) {
    if (a.kind == who->kind && a.assignee == who->name) previous = a.policy_name;
  }
  Status changed = Status::ok();
  if (unassign) {
    if (previous.empty()) {
      changed = Status::not_found(target + " has no policy assigned through the API");
    } else if (previous != policy.name) {
      changed = Status::conflict(target + " is assigned \"" + previous +
                                 "\" through the API, not \"" + policy.name + "\"");
    } else {
      changed = call.store.remove_policy_assignment(who->kind, who->name);
    }
  } else {
    changed = call.store.set_policy_assignment(
        {who->kind, who->name, policy.name, call.request.actor, call.clock.wall_now()});
  }
  if (!changed.is_ok()) {
    record_action(call, action, target, JsonValue::object(), changed);
    return status_response(changed);
  }
  const bool audited = record_action(
      call, action, target,
      JsonValue::object().set("policy", policy.name).set("previous_api_assignment", previous),
      Status::ok());
  std::string message = unassign ? target + ": API assignment of policy " + policy.name +
                                       " removed; the YAML assignment or default applies"
                                 : target + ": policy " + policy.name + " assigned";
  JsonValue out = JsonValue::object();
  if (who->kind == AssigneeKind::kUser) {
    // What the user gets now, as the pipeline will decide on the next request.
    StoredGovernance stored;
    if (auto now = call.store.list_policy_assignments(); now.is_ok()) {
      stored = convert_stored_governance(0, {}, *now);
    }
    const ProvisioningPolicy& effective = effective_policy(governance, stored, who->name);
    out.set("effective_policy", effective.name);
    message += "; effective policy now " + effective.name +
               " (devices provision again on their next request if it changed)";
  } else {
    message += "; members' devices provision again on their next request if it changed";
  }
  out.set("message", message);
  if (!audited) out.set("warning", "the change was made but its audit entry was not written");
  return json_response(200, out);
}

}  // namespace

AdminResponse handle_policies(Call& call, const GovernanceConfig& governance) {
  static const std::vector<ReportColumn> kColumns = {
      {"name", "NAME"},
      {"default", "DEFAULT"},
      {"policy_key", "KEY"},
      {"device_password_enabled", "PASSWORD"},
      {"require_device_encryption", "ENCRYPTION"},
      {"allow_non_provisionable_devices", "NON-PROVISIONABLE OK"},
      {"assigned_users", "USERS"},
      {"assigned_groups", "GROUPS"}};
  const PolicySet& set = governance.policies;
  const auto& seg = call.segments;
  if (seg.size() > 3) return error_response(404, "unknown API path under /api/policies");
  Result<std::vector<PolicyAssignmentRecord>> api = call.store.list_policy_assignments();
  if (!api.is_ok()) return status_response(api.status());
  if (seg.size() == 1) {
    if (call.request.method != "GET") return error_response(405, "policies need GET");
    JsonValue rows = JsonValue::array();
    for (const ProvisioningPolicy& p : set.policies()) {
      rows.push(policy_json(p, p.name == set.default_name(), assigned_to(p, governance, *api)));
    }
    return listing_response(call, kColumns, rows);
  }
  const ProvisioningPolicy* policy = set.find(seg[1]);
  if (policy == nullptr) {
    return error_response(404, "policy \"" + seg[1] +
                                   "\" not found (policies are defined under governance.policies)");
  }
  if (seg.size() == 2) {
    if (call.request.method != "GET") return error_response(405, "a policy needs GET");
    return record_response(call, policy_json(*policy, policy->name == set.default_name(),
                                             assigned_to(*policy, governance, *api)));
  }
  if (seg[2] != "assign" && seg[2] != "unassign") {
    return error_response(404,
                          "unknown policy action \"" + seg[2] + "\" (expected assign, unassign)");
  }
  if (call.request.method != "POST") return error_response(405, seg[2] + " needs POST");
  return assign(call, governance, *policy, seg[2] == "unassign");
}

}  // namespace easgate::admin_internal
