// /api/users: Set-CASMailbox -ActiveSyncEnabled and the per-user view.

#include "gateway/admin/admin_api_internal.h"
#include "gateway/core/clock.h"

namespace easgate::admin_internal {
namespace {

const std::vector<ReportColumn>& user_columns() {
  static const std::vector<ReportColumn> kColumns = {
      {"user", "USER"}, {"eas_enabled", "EAS"}, {"eas_reason", "REASON"},
      {"updated_at", "UPDATED"}};
  return kColumns;
}

AdminResponse set_enabled(Call& call, const std::string& user, bool enabled) {
  const char* action = enabled ? "user.enable" : "user.disable";
  Result<JsonValue> body = parse_body(call, {"reason"});
  Status problem = body.status();
  const JsonValue* reason_value = body.is_ok() ? body->find("reason") : nullptr;
  if (problem.is_ok() && reason_value && !reason_value->is_string()) {
    problem = Status::invalid_argument("request body: \"reason\" must be a string");
  }
  if (!problem.is_ok()) {
    record_action(call, action, user, JsonValue::object(), problem);
    return status_response(problem);
  }
  std::string reason = reason_value ? reason_value->as_string() : std::string();
  if (reason.empty()) reason = std::string(enabled ? "enabled" : "disabled") + " by " +
                               call.request.actor;
  // Unknown users are created: an admin may disable someone before their first sync.
  Status set = call.store.set_user_eas_enabled(user, enabled, reason, call.clock.wall_now());
  if (!set.is_ok()) {
    record_action(call, action, user, JsonValue::object(), set);
    return status_response(set);
  }
  const bool audited =
      record_action(call, action, user, JsonValue::object().set("reason", reason), Status::ok());
  JsonValue out = JsonValue::object().set(
      "message", "user " + user + ": ActiveSync " + (enabled ? "enabled" : "disabled"));
  Result<UserRecord> now = call.store.get_user(user);
  if (now.is_ok()) out.set("user", user_json(*now));
  if (!audited) out.set("warning", "the change was made but its audit entry was not written");
  return json_response(200, out);
}

}  // namespace

AdminResponse handle_users(Call& call) {
  const auto& seg = call.segments;
  const std::string& method = call.request.method;
  if (seg.size() == 1) {
    if (method != "GET") return error_response(405, method + " is not allowed on /api/users");
    Result<std::vector<UserRecord>> users = call.store.list_users();
    if (!users.is_ok()) return status_response(users.status());
    JsonValue rows = JsonValue::array();
    for (const UserRecord& u : *users) rows.push(user_json(u));
    return listing_response(call, user_columns(), rows);
  }
  if (seg.size() > 3) return error_response(404, "unknown API path: expected /api/users/{user}[/{action}]");
  const std::string& user = seg[1];
  if (Status s = check_id("user", user); !s.is_ok()) return status_response(s);
  if (seg.size() == 3) {
    if (seg[2] != "enable" && seg[2] != "disable") {
      return error_response(404, "unknown user action \"" + seg[2] + "\" (expected enable, disable)");
    }
    if (method != "POST") return error_response(405, "user actions need POST");
    return set_enabled(call, user, seg[2] == "enable");
  }
  if (method != "GET") return error_response(405, method + " is not allowed on a user");
  Result<UserRecord> record = call.store.get_user(user);
  if (!record.is_ok()) {
    if (record.status().kind() == ErrorKind::kNotFound) {
      return error_response(404, "user " + user + " not found");
    }
    return status_response(record.status());
  }
  Result<std::vector<DeviceRecord>> devices = call.store.list_devices(user);
  if (!devices.is_ok()) return status_response(devices.status());
  JsonValue out = user_json(*record);
  std::string ids;
  for (const DeviceRecord& d : *devices) ids += (ids.empty() ? "" : " ") + d.device_id;
  out.set("device_count", static_cast<int64_t>(devices->size())).set("devices", ids);
  return record_response(call, out);
}

}  // namespace easgate::admin_internal
