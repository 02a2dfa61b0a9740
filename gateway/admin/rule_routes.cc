// /api/rules (New-ActiveSyncDeviceAccessRule and a dry run of it) and /api/policies.
//
// A rule in JSON has the YAML shape of governance.device_access.rules (one less thing for
// admins to learn):
//   {"name": "block-wp", "action": "block", "position": 1,
//    "match": {"device_type": {"glob": "WP*"}, "user_agent": "MSFT-WP/8.0"}}
// `position` (1-based, default: after the last rule) says where it would sit; first match
// wins. Rules from the API are not persisted yet: the state store has no rule table, so
// add and remove answer 501 after validating their input.

#include <cstdio>

#include "gateway/admin/admin_api_internal.h"
#include "gateway/admin/admin_metrics.h"
#include "gateway/config/governance_config.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/store/store_enums.h"

namespace easgate::admin_internal {
namespace {

constexpr MatchField kFields[] = {MatchField::kDeviceType, MatchField::kDeviceModel,
                                  MatchField::kDeviceOs,   MatchField::kUserAgent,
                                  MatchField::kUser,       MatchField::kGroup};

const char* match_kind_name(MatchKind kind) {
  switch (kind) {
    case MatchKind::kExact: return "exact";
    case MatchKind::kPrefix: return "prefix";
    case MatchKind::kGlob: return "glob";
  }
  return "exact";
}

std::string conditions_text(const DeviceAccessRule& rule) {
  if (rule.conditions.empty()) return "(every device)";
  std::string out;
  for (const MatchCondition& c : rule.conditions) {
    out += out.empty() ? "" : " and ";
    out += std::string(match_field_name(c.field)) + " " + match_kind_name(c.kind) + " \"" +
           c.pattern + "\"";
  }
  return out;
}

Status rule_error(const std::string& what) { return Status::invalid_argument("rule: " + what); }

// The candidate rule and where it would go, from a request body.
struct CandidateRule {
  DeviceAccessRule rule;  // validated rule
  size_t position = 0;    // 0-based index in the rule list
};

Result<CandidateRule> parse_rule(const Call& call, const GovernanceConfig& governance) {
  Result<JsonValue> body = parse_body(call, {"name", "action", "match", "position"});
  if (!body.is_ok()) return body.status();
  CandidateRule out;
  const JsonValue* name = body->find("name");
  if (!name || !name->is_string() || name->as_string().empty()) {
    return rule_error("\"name\" must be a non-empty string");
  }
  out.rule.name = name->as_string();
  for (const DeviceAccessRule& r : governance.device_access.rules) {
    if (ascii_lower(r.name) == ascii_lower(out.rule.name)) {
      return Status::conflict("rule: a rule named \"" + r.name + "\" already exists");
    }
  }
  const JsonValue* action = body->find("action");
  const std::string action_text = action ? action->as_string() : "";
  if (action_text == "allow") out.rule.action = AccessAction::kAllow;
  else if (action_text == "block") out.rule.action = AccessAction::kBlock;
  else if (action_text == "quarantine") out.rule.action = AccessAction::kQuarantine;
  else return rule_error("\"action\" must be one of allow, block, quarantine");

  const JsonValue* match = body->find("match");
  if (!match || !match->is_object() || match->size() == 0) {
    // A rule matching every device would override the organization default; that is the
    // default's job, so say it instead of accepting a catch-all by accident.
    return rule_error("\"match\" must be an object with at least one condition, e.g. "
                      "{\"device_type\": {\"glob\": \"WP*\"}}");
  }
  for (const JsonValue::Member& m : match->as_object()) {
    MatchCondition c;
    bool known = false;
    for (MatchField f : kFields) {
      if (m.first == match_field_name(f)) {
        c.field = f;
        known = true;
      }
    }
    if (!known) {
      return rule_error("unknown match field \"" + m.first +
                        "\" (expected device_type, device_model, device_os, user_agent, "
                        "user, group)");
    }
    if (m.second.is_string()) {
      c.kind = MatchKind::kExact;
      c.pattern = m.second.as_string();
    } else if (m.second.is_object() && m.second.size() == 1 &&
               m.second.as_object()[0].second.is_string()) {
      const std::string& kind = m.second.as_object()[0].first;
      if (kind == "exact") c.kind = MatchKind::kExact;
      else if (kind == "prefix") c.kind = MatchKind::kPrefix;
      else if (kind == "glob") c.kind = MatchKind::kGlob;
      else return rule_error("match \"" + m.first + "\": \"" + kind +
                             "\" is not one of exact, prefix, glob");
      c.pattern = m.second.as_object()[0].second.as_string();
    } else {
      return rule_error("match \"" + m.first +
                        "\" must be a string or {\"exact\"|\"prefix\"|\"glob\": string}");
    }
    if (c.pattern.empty()) return rule_error("match \"" + m.first + "\" has an empty pattern");
    if (c.field == MatchField::kGroup && c.kind == MatchKind::kExact &&
        !governance.groups.has_group(c.pattern)) {
      return rule_error("unknown group \"" + c.pattern + "\" (define it under governance.groups)");
    }
    out.rule.conditions.push_back(std::move(c));
  }
  const size_t rule_count = governance.device_access.rules.size();
  out.position = rule_count;
  if (const JsonValue* position = body->find("position")) {
    const int64_t p = position->as_integer();
    if (!position->is_integer() || p < 1 || static_cast<size_t>(p) > rule_count + 1) {
      return rule_error("\"position\" must be a whole number from 1 to " +
                        std::to_string(rule_count + 1));
    }
    out.position = static_cast<size_t>(p - 1);
  }
  return out;
}

AdminResponse list_rules(Call& call, const GovernanceConfig& governance) {
  static const std::vector<ReportColumn> kColumns = {
      {"position", "#"}, {"name", "NAME"}, {"source", "SOURCE"}, {"action", "ACTION"},
      {"conditions", "MATCH"}};
  JsonValue rows = JsonValue::array();
  int64_t position = 0;
  for (const DeviceAccessRule& r : governance.device_access.rules) {
    rows.push(JsonValue::object()
                  .set("position", ++position)
                  .set("name", r.name)
                  .set("source", "yaml")
                  .set("action", access_action_name(r.action))
                  .set("conditions", conditions_text(r)));
  }
  rows.push(JsonValue::object()
                .set("position", JsonValue())
                .set("name", "(default)")
                .set("source", "yaml")
                .set("action", access_action_name(governance.device_access.default_action))
                .set("conditions", "(no rule matched)"));
  return listing_response(call, kColumns, rows);
}

// Every known device whose access would change if the candidate rule were in place, as the
// access check would decide on the device's next request (same facts, same order).
AdminResponse test_rule(Call& call, const GovernanceConfig& governance) {
  static const std::vector<ReportColumn> kColumns = {
      {"user", "USER"},        {"device_id", "DEVICE"},     {"device_type", "TYPE"},
      {"from", "NOW"},         {"to", "WITH RULE"},         {"now_reason", "NOW BECAUSE"}};
  Result<CandidateRule> candidate = parse_rule(call, governance);
  if (!candidate.is_ok()) {
    if (call.metrics) call.metrics->record("rule.test", "invalid");
    return status_response(candidate.status());
  }
  DeviceAccessPolicy with_rule = governance.device_access;
  with_rule.rules.insert(with_rule.rules.begin() + static_cast<ptrdiff_t>(candidate->position),
                         candidate->rule);
  Result<std::vector<DeviceRecord>> devices = call.store.list_devices(std::nullopt);
  if (!devices.is_ok()) return status_response(devices.status());
  Result<std::vector<DeviceExemptionRecord>> exemptions =
      call.store.list_device_exemptions(std::nullopt);
  if (!exemptions.is_ok()) return status_response(exemptions.status());
  JsonValue rows = JsonValue::array();
  for (const DeviceRecord& d : *devices) {
    std::optional<DeviceExemptionRecord> exemption;
    for (const DeviceExemptionRecord& e : *exemptions) {
      if (e.user_id == d.user_id && e.device_id == d.device_id) exemption = e;
    }
    EasRequest eas;
    eas.device_id = d.device_id;
    eas.device_type = d.device_type;
    eas.user_agent = d.user_agent;
    const DeviceFacts facts = make_device_facts(governance, d.user_id, eas, &d, exemption);
    const AccessDecision now = evaluate_device_access(governance.device_access, facts);
    const AccessDecision then = evaluate_device_access(with_rule, facts);
    if (now.action == then.action) continue;
    rows.push(JsonValue::object()
                  .set("user", d.user_id)
                  .set("device_id", d.device_id)
                  .set("device_type", d.device_type)
                  .set("from", access_action_name(now.action))
                  .set("to", access_action_name(then.action))
                  .set("now_reason", now.reason));
  }
  if (call.metrics) call.metrics->record("rule.test", "ok");
  log_info("admin").msg("rule dry run").kv("rule", candidate->rule.name)
      .kv("actor", call.request.actor).kv("devices_changed", static_cast<int64_t>(rows.size()));
  return listing_response(call, kColumns, rows);
}

JsonValue policy_json(const ProvisioningPolicy& p, bool is_default) {
  const auto limit = [](const std::optional<uint32_t>& v) {
    return v ? JsonValue(*v) : JsonValue();
  };
  char key[16];
  std::snprintf(key, sizeof key, "%u", policy_key(p));
  JsonValue v = JsonValue::object();
  v.set("name", p.name)
      .set("default", is_default)
      .set("policy_key", key)
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

AdminResponse handle_policies(Call& call, const GovernanceConfig& governance) {
  static const std::vector<ReportColumn> kColumns = {
      {"name", "NAME"}, {"default", "DEFAULT"}, {"policy_key", "KEY"},
      {"device_password_enabled", "PASSWORD"}, {"require_device_encryption", "ENCRYPTION"},
      {"allow_non_provisionable_devices", "NON-PROVISIONABLE OK"}};
  const PolicySet& set = governance.policies;
  const auto& seg = call.segments;
  if (seg.size() == 1) {
    if (call.request.method != "GET") return error_response(405, "policies need GET");
    JsonValue rows = JsonValue::array();
    for (const ProvisioningPolicy& p : set.policies()) {
      rows.push(policy_json(p, p.name == set.default_name()));
    }
    return listing_response(call, kColumns, rows);
  }
  if (seg.size() > 3) return error_response(404, "unknown API path under /api/policies");
  const ProvisioningPolicy* policy = set.find(seg[1]);
  if (policy == nullptr) return error_response(404, "policy \"" + seg[1] + "\" not found");
  if (seg.size() == 2) {
    if (call.request.method != "GET") return error_response(405, "a policy needs GET");
    return record_response(call, policy_json(*policy, policy->name == set.default_name()));
  }
  if (seg[2] != "assign") return error_response(404, "unknown policy action \"" + seg[2] + "\"");
  if (call.request.method != "POST") return error_response(405, "assign needs POST");
  Result<JsonValue> body = parse_body(call, {"user"});
  if (!body.is_ok()) return status_response(body.status());
  const JsonValue* user = body->find("user");
  if (!user || !user->is_string() || user->as_string().empty()) {
    return error_response(400, "request body: \"user\" must be a non-empty string");
  }
  if (call.metrics) call.metrics->record("policy.assign", "unsupported");
  return error_response(501, "policy assignments through the API are not stored yet; assign \"" +
                                 policy->name + "\" under governance.policies in the YAML");
}

}  // namespace

AdminResponse handle_governance(Call& call, const GovernanceConfig* governance) {
  if (governance == nullptr) return error_response(404, "governance settings are not loaded");
  if (call.segments[0] == "policies") return handle_policies(call, *governance);
  const auto& seg = call.segments;
  const std::string& method = call.request.method;
  if (seg.size() == 1 && method == "GET") return list_rules(call, *governance);
  if (seg.size() == 2 && seg[1] == "test" && method == "POST") return test_rule(call, *governance);
  if ((seg.size() == 1 && method == "POST") || (seg.size() == 2 && method == "DELETE")) {
    if (seg.size() == 1) {
      Result<CandidateRule> candidate = parse_rule(call, *governance);
      if (!candidate.is_ok()) return status_response(candidate.status());
    }
    if (call.metrics) call.metrics->record(seg.size() == 1 ? "rule.add" : "rule.remove",
                                           "unsupported");
    return error_response(501, "rules added through the API are not stored yet; put the rule "
                               "under governance.device_access.rules in the YAML (rules test "
                               "shows its effect first)");
  }
  return error_response(405, method + " is not allowed on this rules path");
}

}  // namespace easgate::admin_internal
