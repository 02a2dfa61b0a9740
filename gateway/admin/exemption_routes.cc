// /api/exemptions: personal exemptions (Exchange: Set-CASMailbox
// -ActiveSyncAllowedDeviceIDs / -ActiveSyncBlockedDeviceIDs). One user's one device id is
// always allowed or always blocked, whatever the rules and the default say; it may name a
// device that has not connected yet. An admin decision on a known device (devices
// allow|block|quarantine|approve) still outranks it (rules/device_access/device_access.h).
//   GET    /api/exemptions[?user=U]
//   POST   /api/exemptions/{user}/{device}/allow|block   {"reason": "..."}
//   DELETE /api/exemptions/{user}/{device}

#include "gateway/admin/admin_api_internal.h"
#include "gateway/core/clock.h"
#include "gateway/store/store_enums.h"

namespace easgate::admin_internal {
namespace {

AdminResponse list_exemptions(Call& call) {
  static const std::vector<ReportColumn> kColumns = {{"user", "USER"},
                                                     {"device_id", "DEVICE"},
                                                     {"kind", "EXEMPTION"},
                                                     {"note", "NOTE"},
                                                     {"created_at", "SET"}};
  std::optional<std::string> user;
  if (auto it = call.query.find("user"); it != call.query.end()) user = it->second;
  Result<std::vector<DeviceExemptionRecord>> all = call.store.list_device_exemptions(user);
  if (!all.is_ok()) return status_response(all.status());
  JsonValue rows = JsonValue::array();
  for (const DeviceExemptionRecord& e : *all) {
    rows.push(JsonValue::object()
                  .set("user", e.user_id)
                  .set("device_id", e.device_id)
                  .set("kind", device_exemption_kind_name(e.kind))
                  .set("note", e.note)
                  .set("created_at", format_time(e.created_at)));
  }
  return listing_response(call, kColumns, rows);
}

AdminResponse set_exemption(Call& call, const DeviceKey& key, DeviceExemptionKind kind) {
  const std::string target = device_target(key.user_id, key.device_id);
  const std::string action = std::string("exemption.") + device_exemption_kind_name(kind);
  Result<JsonValue> body = parse_body(call, {"reason"});
  Status problem = body.status();
  const JsonValue* reason = body.is_ok() ? body->find("reason") : nullptr;
  if (problem.is_ok() && reason && !reason->is_string()) {
    problem = Status::invalid_argument("request body: \"reason\" must be a string");
  }
  if (!problem.is_ok()) {
    record_action(call, action, target, JsonValue::object(), problem);
    return status_response(problem);
  }
  DeviceExemptionRecord e;
  e.user_id = key.user_id;
  e.device_id = key.device_id;
  e.kind = kind;
  e.note = reason && !reason->as_string().empty() ? reason->as_string()
                                                  : std::string("set by ") + call.request.actor;
  e.created_at = call.clock.wall_now();
  Status set = call.store.set_device_exemption(e);
  if (!set.is_ok()) {
    record_action(call, action, target, JsonValue::object(), set);
    return status_response(set);
  }
  const bool audited =
      record_action(call, action, target, JsonValue::object().set("note", e.note), Status::ok());
  std::string message = "device " + target + ": always " +
                        (kind == DeviceExemptionKind::kAllow ? "allowed" : "blocked") +
                        " for this user, whatever the rules say";
  // Say when an admin decision on the device record will keep outranking the exemption.
  if (Result<DeviceRecord> d = call.store.get_device(key); d.is_ok() && d->access_by_admin) {
    message += std::string(" (note: an admin decision '") +
               device_access_state_name(d->access_state) +
               "' on the device outranks it; clear it with 'devices allow|block')";
  }
  JsonValue out = JsonValue::object().set("message", message);
  if (!audited) out.set("warning", "the change was made but its audit entry was not written");
  return json_response(200, out);
}

AdminResponse remove_exemption(Call& call, const DeviceKey& key) {
  const std::string target = device_target(key.user_id, key.device_id);
  Status removed = call.store.remove_device_exemption(key);
  if (!removed.is_ok()) {
    record_action(call, "exemption.remove", target, JsonValue::object(), removed);
    return status_response(removed);
  }
  const bool audited =
      record_action(call, "exemption.remove", target, JsonValue::object(), Status::ok());
  JsonValue out = JsonValue::object().set(
      "message", "device " + target + ": exemption removed; the rules decide again");
  if (!audited) out.set("warning", "the change was made but its audit entry was not written");
  return json_response(200, out);
}

}  // namespace

AdminResponse handle_exemptions(Call& call) {
  const auto& seg = call.segments;
  const std::string& method = call.request.method;
  if (seg.size() == 1) {
    if (method != "GET") return error_response(405, method + " is not allowed on /api/exemptions");
    return list_exemptions(call);
  }
  if (seg.size() != 3 && seg.size() != 4) {
    return error_response(
        404, "unknown API path: expected /api/exemptions/{user}/{device}[/allow|block]");
  }
  DeviceKey key{seg[1], seg[2]};
  if (Status s = check_id("user", key.user_id); !s.is_ok()) return status_response(s);
  if (Status s = check_id("device id", key.device_id); !s.is_ok()) return status_response(s);
  if (seg.size() == 3) {
    if (method != "DELETE")
      return error_response(405, "an exemption needs DELETE (or POST .../allow|block)");
    return remove_exemption(call, key);
  }
  DeviceExemptionKind kind = DeviceExemptionKind::kAllow;
  if (!parse_device_exemption_kind(seg[3], &kind)) {
    return error_response(404, "unknown exemption \"" + seg[3] + "\" (expected allow, block)");
  }
  if (method != "POST") return error_response(405, "exemption actions need POST");
  return set_exemption(call, key, kind);
}

}  // namespace easgate::admin_internal
