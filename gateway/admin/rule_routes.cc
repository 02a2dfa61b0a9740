// /api/rules: New-ActiveSyncDeviceAccessRule, Remove-ActiveSyncDeviceAccessRule and a dry
// run of a rule before it is added.
//
// A rule in JSON has the YAML shape of governance.device_access.rules (one less thing for
// admins to learn):
//   {"name": "block-wp", "action": "block", "position": 1,
//    "match": {"device_type": {"glob": "WP*"}, "user_agent": "MSFT-WP/8.0"}}
// Rules added here persist in the state store and are evaluated AFTER the YAML rules, in
// `position` order (1-based among API rules; default: after the last one), then the
// organization default. YAML first: the reviewed configuration is the baseline an API rule
// cannot silently undo (rules/device_access/device_access.h). `rules list` shows the one
// combined order with each rule's source.

#include "gateway/admin/admin_api_internal.h"
#include "gateway/admin/admin_metrics.h"
#include "gateway/config/governance_config.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/pipeline/stored_governance.h"
#include "gateway/store/store_enums.h"

namespace easgate::admin_internal {
namespace {

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

// The API rules as stored and as rules/ types (unusable rows skipped, as the pipeline does).
struct ApiRules {
  std::vector<StoredAccessRule> rows;    // every stored rule, by position
  std::vector<DeviceAccessRule> usable;  // the ones the pipeline evaluates
};

Result<ApiRules> load_api_rules(Call& call) {
  Result<std::vector<StoredAccessRule>> rows = call.store.list_access_rules();
  if (!rows.is_ok()) return rows.status();
  ApiRules out;
  for (const StoredAccessRule& row : *rows) {
    if (Result<DeviceAccessRule> r = to_access_rule(row); r.is_ok()) out.usable.push_back(*r);
  }
  out.rows = std::move(rows).value();
  return out;
}

// The candidate rule and where it would go, from a request body.
struct CandidateRule {
  DeviceAccessRule rule;  // validated rule
  size_t position = 0;    // 0-based index among the API rules
};

Result<MatchCondition> parse_condition(const JsonValue::Member& m,
                                       const GovernanceConfig& governance) {
  MatchCondition c;
  if (!parse_match_field(m.first, &c.field)) {
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
    if (!parse_match_kind(kind, &c.kind)) {
      return rule_error("match \"" + m.first + "\": \"" + kind +
                        "\" is not one of exact, prefix, glob");
    }
    c.pattern = m.second.as_object()[0].second.as_string();
  } else {
    return rule_error("match \"" + m.first +
                      "\" must be a string or {\"exact\"|\"prefix\"|\"glob\": string}");
  }
  if (c.pattern.empty()) return rule_error("match \"" + m.first + "\" has an empty pattern");
  if (c.pattern.size() > 256) return rule_error("match \"" + m.first + "\" is over 256 characters");
  if (c.field == MatchField::kGroup && c.kind == MatchKind::kExact &&
      !governance.groups.has_group(c.pattern)) {
    return rule_error("unknown group \"" + c.pattern + "\" (define it under governance.groups)");
  }
  return c;
}

Result<CandidateRule> parse_rule(const Call& call, const GovernanceConfig& governance,
                                 const ApiRules& api) {
  Result<JsonValue> body = parse_body(call, {"name", "action", "match", "position"});
  if (!body.is_ok()) return body.status();
  CandidateRule out;
  const JsonValue* name = body->find("name");
  if (!name || !name->is_string() || name->as_string().empty()) {
    return rule_error("\"name\" must be a non-empty string");
  }
  out.rule.name = name->as_string();
  if (out.rule.name.size() > 128) return rule_error("\"name\" is over 128 characters");
  for (const DeviceAccessRule& r : governance.device_access.rules) {
    if (ascii_lower(r.name) == ascii_lower(out.rule.name)) {
      return Status::conflict("rule: a rule named \"" + r.name + "\" already exists (YAML)");
    }
  }
  for (const StoredAccessRule& r : api.rows) {
    if (ascii_lower(r.name) == ascii_lower(out.rule.name)) {
      return Status::conflict("rule: a rule named \"" + r.name + "\" already exists (API)");
    }
  }
  const JsonValue* action = body->find("action");
  if (!action || !action->is_string() ||
      !parse_access_action(action->as_string(), &out.rule.action)) {
    return rule_error("\"action\" must be one of allow, block, quarantine");
  }
  const JsonValue* match = body->find("match");
  if (!match || !match->is_object() || match->size() == 0) {
    // A rule matching every device would override the organization default; that is the
    // default's job, so say it instead of accepting a catch-all by accident.
    return rule_error(
        "\"match\" must be an object with at least one condition, e.g. "
        "{\"device_type\": {\"glob\": \"WP*\"}}");
  }
  if (match->size() > 16) return rule_error("\"match\" has more than 16 conditions");
  for (const JsonValue::Member& m : match->as_object()) {
    Result<MatchCondition> c = parse_condition(m, governance);
    if (!c.is_ok()) return c.status();
    out.rule.conditions.push_back(std::move(c).value());
  }
  const size_t count = api.rows.size();
  out.position = count;
  if (const JsonValue* position = body->find("position")) {
    const int64_t p = position->as_integer();
    if (!position->is_integer() || p < 1 || static_cast<size_t>(p) > count + 1) {
      return rule_error("\"position\" (among the rules added through the API, after the " +
                        std::to_string(governance.device_access.rules.size()) +
                        " YAML rules) must be a whole number from 1 to " +
                        std::to_string(count + 1));
    }
    out.position = static_cast<size_t>(p - 1);
  }
  return out;
}

StoredAccessRule to_stored(const CandidateRule& c, const Call& call) {
  StoredAccessRule row;
  row.name = c.rule.name;
  row.position = static_cast<uint32_t>(c.position + 1);
  row.action = access_action_name(c.rule.action);
  for (const MatchCondition& m : c.rule.conditions) {
    row.conditions.push_back({match_field_name(m.field), match_kind_name(m.kind), m.pattern});
  }
  row.created_by = call.request.actor;
  row.created_at = call.clock.wall_now();
  return row;
}

AdminResponse list_rules(Call& call, const GovernanceConfig& governance) {
  static const std::vector<ReportColumn> kColumns = {
      {"position", "#"},    {"name", "NAME"},        {"source", "SOURCE"},
      {"action", "ACTION"}, {"conditions", "MATCH"}, {"added_by", "ADDED BY"}};
  Result<ApiRules> api = load_api_rules(call);
  if (!api.is_ok()) return status_response(api.status());
  JsonValue rows = JsonValue::array();
  int64_t position = 0;
  for (const DeviceAccessRule& r : governance.device_access.rules) {
    rows.push(JsonValue::object()
                  .set("position", ++position)
                  .set("name", r.name)
                  .set("source", "yaml")
                  .set("action", access_action_name(r.action))
                  .set("conditions", conditions_text(r))
                  .set("added_by", ""));
  }
  for (const StoredAccessRule& row : api->rows) {
    Result<DeviceAccessRule> r = to_access_rule(row);
    rows.push(JsonValue::object()
                  .set("position", r.is_ok() ? JsonValue(++position) : JsonValue())
                  .set("name", row.name)
                  .set("source", r.is_ok() ? "api" : "api (skipped: " + r.status().message() + ")")
                  .set("action", row.action)
                  .set("conditions", r.is_ok() ? conditions_text(*r) : std::string())
                  .set("added_by", row.created_by + " " + format_time(row.created_at)));
  }
  rows.push(JsonValue::object()
                .set("position", JsonValue())
                .set("name", "(default)")
                .set("source", "yaml")
                .set("action", access_action_name(governance.device_access.default_action))
                .set("conditions", "(no rule matched)")
                .set("added_by", ""));
  return listing_response(call, kColumns, rows);
}

// Every known device whose access would change if the candidate rule were in place, as the
// access check would decide on the device's next request (same facts, same order).
AdminResponse test_rule(Call& call, const GovernanceConfig& governance) {
  static const std::vector<ReportColumn> kColumns = {
      {"user", "USER"}, {"device_id", "DEVICE"}, {"device_type", "TYPE"},
      {"from", "NOW"},  {"to", "WITH RULE"},     {"now_reason", "NOW BECAUSE"}};
  Result<ApiRules> api = load_api_rules(call);
  if (!api.is_ok()) return status_response(api.status());
  Result<CandidateRule> candidate = parse_rule(call, governance, *api);
  if (!candidate.is_ok()) {
    if (call.metrics) call.metrics->record("rule.test", "invalid");
    return status_response(candidate.status());
  }
  // Insert among the usable rules at the same place it would take among all stored rules.
  std::vector<DeviceAccessRule> with_rule;
  for (size_t i = 0; i <= api->rows.size(); ++i) {
    if (i == candidate->position) with_rule.push_back(candidate->rule);
    if (i == api->rows.size()) break;
    if (Result<DeviceAccessRule> r = to_access_rule(api->rows[i]); r.is_ok()) {
      with_rule.push_back(std::move(r).value());
    }
  }
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
    const AccessDecision now = evaluate_device_access(governance.device_access, api->usable, facts);
    const AccessDecision then = evaluate_device_access(governance.device_access, with_rule, facts);
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
  log_info("admin")
      .msg("rule dry run")
      .kv("rule", candidate->rule.name)
      .kv("actor", call.request.actor)
      .kv("devices_changed", static_cast<int64_t>(rows.size()));
  return listing_response(call, kColumns, rows);
}

AdminResponse add_rule(Call& call, const GovernanceConfig& governance) {
  Result<ApiRules> api = load_api_rules(call);
  if (!api.is_ok()) return status_response(api.status());
  Result<CandidateRule> candidate = parse_rule(call, governance, *api);
  if (!candidate.is_ok()) {
    record_action(call, "rule.add", "rule", JsonValue::object(), candidate.status());
    return status_response(candidate.status());
  }
  const StoredAccessRule row = to_stored(*candidate, call);
  const std::string target = "rule/" + row.name;
  Result<uint32_t> added = call.store.add_access_rule(row);
  if (!added.is_ok()) {
    record_action(call, "rule.add", target, JsonValue::object(), added.status());
    return status_response(Status(added.status()).prefixed("rule"));
  }
  const size_t order = governance.device_access.rules.size() + *added;
  const bool audited = record_action(call, "rule.add", target,
                                     JsonValue::object()
                                         .set("action", row.action)
                                         .set("api_position", *added)
                                         .set("conditions", conditions_text(candidate->rule)),
                                     Status::ok());
  JsonValue out = JsonValue::object().set(
      "message", "rule " + row.name + " added (" + row.action + " " +
                     conditions_text(candidate->rule) + "), evaluated #" + std::to_string(order) +
                     " after the YAML rules; it applies from each "
                     "device's next request");
  out.set("position", static_cast<int64_t>(order)).set("api_position", *added);
  if (!audited) out.set("warning", "the change was made but its audit entry was not written");
  return json_response(201, out);
}

AdminResponse remove_rule(Call& call, const GovernanceConfig& governance, const std::string& name) {
  const std::string target = "rule/" + name;
  for (const DeviceAccessRule& r : governance.device_access.rules) {
    if (ascii_lower(r.name) == ascii_lower(name)) {
      Status refused = Status::conflict("rule \"" + r.name +
                                        "\" comes from the YAML configuration; remove it there");
      record_action(call, "rule.remove", target, JsonValue::object(), refused);
      return status_response(refused);
    }
  }
  Status removed = call.store.remove_access_rule(name);
  if (!removed.is_ok()) {
    record_action(call, "rule.remove", target, JsonValue::object(), removed);
    return status_response(removed);
  }
  const bool audited =
      record_action(call, "rule.remove", target, JsonValue::object(), Status::ok());
  JsonValue out = JsonValue::object().set("message", "rule " + name + " removed");
  if (!audited) out.set("warning", "the change was made but its audit entry was not written");
  return json_response(200, out);
}

}  // namespace

AdminResponse handle_rules(Call& call, const GovernanceConfig& governance) {
  const auto& seg = call.segments;
  const std::string& method = call.request.method;
  if (seg.size() == 1 && method == "GET") return list_rules(call, governance);
  if (seg.size() == 1 && method == "POST") return add_rule(call, governance);
  if (seg.size() == 2 && seg[1] == "test" && method == "POST") return test_rule(call, governance);
  if (seg.size() == 2 && method == "DELETE") {
    if (Status s = check_id("rule name", seg[1]); !s.is_ok()) return status_response(s);
    return remove_rule(call, governance, seg[1]);
  }
  if (seg.size() > 2) return error_response(404, "unknown API path under /api/rules");
  return error_response(405, method + " is not allowed on this rules path");
}

AdminResponse handle_governance(Call& call, const GovernanceConfig* governance) {
  if (governance == nullptr) return error_response(404, "governance settings are not loaded");
  if (call.segments[0] == "policies") return handle_policies(call, *governance);
  return handle_rules(call, *governance);
}

}  // namespace easgate::admin_internal
