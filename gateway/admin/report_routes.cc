// /api/reports (devices, users, wipes) and /api/audit.

#include <map>

#include "gateway/admin/admin_api_internal.h"
#include "gateway/core/clock.h"
#include "gateway/store/store_enums.h"

namespace easgate::admin_internal {
namespace {

constexpr size_t kDefaultAuditLimit = 1000;
constexpr size_t kMaxAuditLimit = 100000;

AdminResponse devices_report(Call& call) {
  static const std::vector<ReportColumn> kColumns = {
      {"user", "USER"},
      {"device_id", "DEVICE"},
      {"device_type", "TYPE"},
      {"model", "MODEL"},
      {"friendly_name", "NAME"},
      {"os", "OS"},
      {"protocol_version", "EAS"},
      {"access_state", "ACCESS"},
      {"access_reason", "ACCESS REASON"},
      {"policy_name", "POLICY"},
      {"policy_status", "POLICY STATUS"},
      {"wipe_state", "WIPE"},
      {"first_seen", "FIRST SEEN"},
      {"last_seen", "LAST SEEN"},
  };
  Result<std::vector<DeviceRecord>> devices = call.store.list_devices(std::nullopt);
  if (!devices.is_ok()) return status_response(devices.status());
  JsonValue rows = JsonValue::array();
  for (const DeviceRecord& d : *devices) rows.push(device_json(d));
  return listing_response(call, kColumns, rows);
}

// Per-user counts by access state, so "who has blocked or quarantined phones" is one look.
struct UserTally {
  int64_t devices = 0;      // devices known for the user
  int64_t allowed = 0;      // access_state allowed
  int64_t blocked = 0;      // access_state blocked
  int64_t quarantined = 0;  // access_state quarantined
  int64_t pending = 0;      // no decision yet
  int64_t wipes = 0;        // wipe requested or sent, not yet acknowledged
  StoreTime last_seen;      // newest last_seen of the user's devices
};

AdminResponse users_report(Call& call) {
  static const std::vector<ReportColumn> kColumns = {
      {"user", "USER"},         {"eas_enabled", "EAS"},        {"devices", "DEVICES"},
      {"allowed", "ALLOWED"},   {"blocked", "BLOCKED"},        {"quarantined", "QUARANTINED"},
      {"pending", "PENDING"},   {"wipes_pending", "WIPES"},    {"last_seen", "LAST SEEN"},
      {"eas_reason", "REASON"},
  };
  Result<std::vector<UserRecord>> users = call.store.list_users();
  if (!users.is_ok()) return status_response(users.status());
  Result<std::vector<DeviceRecord>> devices = call.store.list_devices(std::nullopt);
  if (!devices.is_ok()) return status_response(devices.status());
  std::map<std::string, UserTally> tally;
  for (const DeviceRecord& d : *devices) {
    UserTally& t = tally[d.user_id];
    ++t.devices;
    switch (d.access_state) {
      case DeviceAccessState::kAllowed: ++t.allowed; break;
      case DeviceAccessState::kBlocked: ++t.blocked; break;
      case DeviceAccessState::kQuarantined: ++t.quarantined; break;
      case DeviceAccessState::kPending: ++t.pending; break;
    }
    if (d.wipe.state == WipeState::kRequested || d.wipe.state == WipeState::kSent) ++t.wipes;
    if (d.last_seen > t.last_seen) t.last_seen = d.last_seen;
  }
  JsonValue rows = JsonValue::array();
  for (const UserRecord& u : *users) {
    const UserTally& t = tally[u.user_id];
    rows.push(JsonValue::object()
                  .set("user", u.user_id)
                  .set("eas_enabled", u.eas_enabled)
                  .set("devices", t.devices)
                  .set("allowed", t.allowed)
                  .set("blocked", t.blocked)
                  .set("quarantined", t.quarantined)
                  .set("pending", t.pending)
                  .set("wipes_pending", t.wipes)
                  .set("last_seen", format_time(t.last_seen))
                  .set("eas_reason", u.eas_reason));
  }
  return listing_response(call, kColumns, rows);
}

AdminResponse wipes_report(Call& call) {
  static const std::vector<ReportColumn> kColumns = {
      {"user", "USER"},           {"device_id", "DEVICE"},        {"kind", "KIND"},
      {"state", "STATE"},         {"requested_by", "REQUESTED BY"}, {"requested_at", "REQUESTED"},
      {"sent_at", "SENT"},        {"acknowledged_at", "ACKNOWLEDGED"},
  };
  Result<std::vector<DeviceRecord>> devices = call.store.list_devices(std::nullopt);
  if (!devices.is_ok()) return status_response(devices.status());
  JsonValue rows = JsonValue::array();
  for (const DeviceRecord& d : *devices) {
    if (d.wipe.state == WipeState::kNone) continue;
    rows.push(JsonValue::object()
                  .set("user", d.user_id)
                  .set("device_id", d.device_id)
                  .set("kind", wipe_kind_name(d.wipe.kind))
                  .set("state", wipe_state_name(d.wipe.state))
                  .set("requested_by", d.wipe.requested_by)
                  .set("requested_at", format_time(d.wipe.requested_at))
                  .set("sent_at", format_time(d.wipe.sent_at))
                  .set("acknowledged_at", format_time(d.wipe.acknowledged_at)));
  }
  return listing_response(call, kColumns, rows);
}

}  // namespace

AdminResponse handle_reports(Call& call) {
  if (call.request.method != "GET") return error_response(405, "reports need GET");
  if (call.segments.size() != 2) {
    return error_response(404, "unknown report: expected /api/reports/{devices|users|wipes}");
  }
  const std::string& name = call.segments[1];
  if (name == "devices") return devices_report(call);
  if (name == "users") return users_report(call);
  if (name == "wipes") return wipes_report(call);
  return error_response(404, "unknown report \"" + name + "\" (expected devices, users, wipes)");
}

AdminResponse handle_audit(Call& call) {
  static const std::vector<ReportColumn> kColumns = {
      {"id", "ID"},         {"at", "WHEN"},        {"actor", "WHO"},
      {"action", "ACTION"}, {"target", "TARGET"},  {"details", "DETAILS"},
  };
  if (call.request.method != "GET") return error_response(405, "audit needs GET");
  if (call.segments.size() != 1) return error_response(404, "unknown API path under /api/audit");
  StoreTime since;
  if (auto it = call.query.find("since"); it != call.query.end()) {
    Result<StoreTime> parsed = parse_time(it->second, call.clock.wall_now());
    if (!parsed.is_ok()) return status_response(parsed.status());
    since = *parsed;
  }
  size_t limit = kDefaultAuditLimit;
  if (auto it = call.query.find("limit"); it != call.query.end()) {
    const std::string& v = it->second;
    if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(v) == 0 || std::stoul(v) > kMaxAuditLimit) {
      return error_response(400, "limit \"" + v + "\" is not a number from 1 to " +
                                     std::to_string(kMaxAuditLimit));
    }
    limit = std::stoul(v);
  }
  Result<std::vector<AuditEntry>> entries = call.store.list_audit(since, limit);
  if (!entries.is_ok()) return status_response(entries.status());
  JsonValue rows = JsonValue::array();
  for (const AuditEntry& e : *entries) {
    rows.push(JsonValue::object()
                  .set("id", e.id)
                  .set("at", format_time(e.at))
                  .set("actor", e.actor)
                  .set("action", e.action)
                  .set("target", e.target)
                  .set("details", e.details));
  }
  return listing_response(call, kColumns, rows);
}

}  // namespace easgate::admin_internal
