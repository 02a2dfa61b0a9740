// /api/devices: Get-ActiveSyncDevice, Get-ActiveSyncDeviceStatistics, access decisions,
// Clear-MobileDevice and Remove-MobileDevice.

#include <cstdlib>

#include "gateway/admin/admin_api_internal.h"
#include "gateway/core/clock.h"
#include "gateway/store/store_enums.h"

namespace easgate::admin_internal {
namespace {

const std::vector<ReportColumn>& device_list_columns() {
  static const std::vector<ReportColumn> kColumns = {
      {"user", "USER"},           {"device_id", "DEVICE"},  {"device_type", "TYPE"},
      {"model", "MODEL"},         {"access_state", "ACCESS"}, {"wipe_state", "WIPE"},
      {"protocol_version", "EAS"}, {"last_seen", "LAST SEEN"},
  };
  return kColumns;
}

AdminResponse list_devices(Call& call) {
  std::optional<std::string> user;
  if (auto it = call.query.find("user"); it != call.query.end()) user = it->second;
  Result<std::vector<DeviceRecord>> devices = call.store.list_devices(user);
  if (!devices.is_ok()) return status_response(devices.status());
  JsonValue rows = JsonValue::array();
  for (const DeviceRecord& d : *devices) rows.push(device_json(d));
  return listing_response(call, device_list_columns(), rows);
}

// MS-ASPROV 2.2.2.2: AccountOnlyRemoteWipe exists from EAS 16.1 on; an older client would
// not understand it, so asking for it is a conflict the admin must see, not a silent no-op.
bool supports_account_only_wipe(const std::string& protocol_version) {
  if (protocol_version.empty()) return true;  // not known yet: the Provision handler decides
  return std::strtod(protocol_version.c_str(), nullptr) >= 16.1 - 1e-9;
}

// The reply to a successful change: a one-line message plus the device as it is now.
AdminResponse changed(Call& call, const DeviceKey& key, std::string message, bool audited) {
  JsonValue out = JsonValue::object();
  out.set("message", std::move(message));
  Result<DeviceRecord> now = call.store.get_device(key);
  if (now.is_ok()) out.set("device", device_json(*now));
  if (!audited) out.set("warning", "the change was made but its audit entry was not written");
  return json_response(200, out);
}

AdminResponse refuse(Call& call, std::string_view action, const std::string& target,
                     const Status& why) {
  record_action(call, action, target, JsonValue::object(), why);
  return status_response(why);
}

AdminResponse set_access(Call& call, const DeviceKey& key, const DeviceRecord& device,
                         const std::string& verb) {
  const std::string target = device_target(key.user_id, key.device_id);
  const std::string action = "device." + verb;
  Result<JsonValue> body = parse_body(call, {"reason"});
  if (!body.is_ok()) return refuse(call, action, target, body.status());
  const JsonValue* reason_value = body->find("reason");
  if (reason_value && !reason_value->is_string()) {
    return refuse(call, action, target,
                  Status::invalid_argument("request body: \"reason\" must be a string"));
  }
  std::string reason = reason_value ? reason_value->as_string() : std::string();
  if (reason.empty()) reason = "admin " + verb + " by " + call.request.actor;

  DeviceAccessState state = DeviceAccessState::kAllowed;
  if (verb == "block") state = DeviceAccessState::kBlocked;
  if (verb == "quarantine") state = DeviceAccessState::kQuarantined;
  if (state != DeviceAccessState::kBlocked && device.wipe.state == WipeState::kAcknowledged) {
    // A wiped device stays blocked whatever the access state says; allowing it must be
    // the deliberate clear-wipe (which also forces it to provision again).
    return refuse(call, action, target,
                  Status::conflict("device " + target +
                                   " was wiped; run 'devices clear-wipe' to let it back in"));
  }
  if (verb == "approve" && device.access_state == DeviceAccessState::kBlocked) {
    // Approving answers a quarantine; lifting a block is a separate, deliberate verb.
    return refuse(call, action, target,
                  Status::conflict("device " + target +
                                   " is blocked, not quarantined; use 'allow' to lift a block"));
  }
  const std::string before = device_access_state_name(device.access_state);
  Status set = call.store.set_device_access(key, state, reason);
  if (!set.is_ok()) return refuse(call, action, target, set);
  const bool audited = record_action(
      call, action, target,
      JsonValue::object().set("from", before).set("to", device_access_state_name(state))
          .set("reason", reason),
      Status::ok());
  return changed(call, key, "device " + target + ": " + before + " -> " +
                                device_access_state_name(state), audited);
}

AdminResponse wipe(Call& call, const DeviceKey& key, const DeviceRecord& device) {
  const std::string target = device_target(key.user_id, key.device_id);
  Result<JsonValue> body = parse_body(call, {"account_only"});
  if (!body.is_ok()) return refuse(call, "device.wipe", target, body.status());
  const JsonValue* account_only = body->find("account_only");
  if (account_only && !account_only->is_bool()) {
    return refuse(call, "device.wipe", target,
                  Status::invalid_argument("request body: \"account_only\" must be true or false"));
  }
  const WipeKind kind = account_only && account_only->as_bool() ? WipeKind::kAccountOnly
                                                                 : WipeKind::kFull;
  const char* action = kind == WipeKind::kFull ? "device.wipe" : "device.wipe_account";
  if (kind == WipeKind::kAccountOnly && !supports_account_only_wipe(device.protocol_version)) {
    return refuse(call, action, target,
                  Status::conflict("device " + target + " speaks EAS " + device.protocol_version +
                                   "; an account-only wipe needs EAS 16.1 (MS-ASPROV 2.2.2.2)"));
  }
  Status requested = call.store.request_wipe(key, kind, call.request.actor, call.clock.wall_now());
  if (!requested.is_ok()) return refuse(call, action, target, requested);
  const bool audited = record_action(call, action, target,
                                     JsonValue::object().set("kind", wipe_kind_name(kind)),
                                     Status::ok());
  return changed(call, key,
                 "device " + target + ": " + wipe_kind_name(kind) +
                     " wipe requested; it is sent on the device's next request",
                 audited);
}

AdminResponse cancel_wipe(Call& call, const DeviceKey& key, const DeviceRecord& device) {
  const std::string target = device_target(key.user_id, key.device_id);
  if (device.wipe.state == WipeState::kNone) {
    return refuse(call, "device.cancel_wipe", target,
                  Status::conflict("device " + target + " has no wipe pending"));
  }
  Status cancelled = call.store.cancel_wipe(key);
  if (!cancelled.is_ok()) {
    if (cancelled.kind() == ErrorKind::kConflict) {
      cancelled = Status::conflict("device " + target +
                                   " already acknowledged the wipe; it cannot be cancelled");
    }
    return refuse(call, "device.cancel_wipe", target, cancelled);
  }
  const bool audited = record_action(
      call, "device.cancel_wipe", target,
      JsonValue::object().set("was", wipe_state_name(device.wipe.state)), Status::ok());
  return changed(call, key, "device " + target + ": wipe cancelled", audited);
}

// Clear-MobileDevice's counterpart for a device that came back after a wipe: the record
// forgets the wipe and the policy key, so the rules decide again and the device provisions
// from scratch (rules/device_access: an acknowledged wipe blocks until this).
AdminResponse clear_wipe(Call& call, const DeviceKey& key, const DeviceRecord& device) {
  const std::string target = device_target(key.user_id, key.device_id);
  Status cleared = call.store.clear_wipe(key);
  if (!cleared.is_ok()) {
    if (cleared.kind() == ErrorKind::kConflict) {
      cleared = Status::conflict(
          "device " + target + " has no acknowledged wipe (wipe state " +
          wipe_state_name(device.wipe.state) +
          (device.wipe.state == WipeState::kNone ? ")" : "; use cancel-wipe for a pending one)"));
    }
    return refuse(call, "device.clear_wipe", target, cleared);
  }
  const bool audited = record_action(
      call, "device.clear_wipe", target,
      JsonValue::object().set("acknowledged_at", format_time(device.wipe.acknowledged_at)),
      Status::ok());
  return changed(call, key,
                 "device " + target + ": wipe cleared; the device is judged by the rules again "
                 "and provisions on its next request",
                 audited);
}

AdminResponse remove(Call& call, const DeviceKey& key, const DeviceRecord& device) {
  const std::string target = device_target(key.user_id, key.device_id);
  Result<bool> force = query_flag(call, "force");
  if (!force.is_ok()) return refuse(call, "device.remove", target, force.status());
  // Removing the record would forget a wipe the device has not confirmed; the device would
  // come back as new and never be wiped.
  if (!*force && (device.wipe.state == WipeState::kRequested ||
                  device.wipe.state == WipeState::kSent)) {
    return refuse(call, "device.remove", target,
                  Status::conflict("device " + target + " has a wipe " +
                                   wipe_state_name(device.wipe.state) +
                                   " but not acknowledged; cancel-wipe first or use force"));
  }
  Status deleted = call.store.delete_device(key);
  if (!deleted.is_ok()) return refuse(call, "device.remove", target, deleted);
  const bool audited = record_action(
      call, "device.remove", target,
      JsonValue::object().set("access_state", device_access_state_name(device.access_state))
          .set("device_type", device.device_type),
      Status::ok());
  JsonValue out = JsonValue::object().set("message", "device " + target + " removed");
  if (!audited) out.set("warning", "the change was made but its audit entry was not written");
  return json_response(200, out);
}

}  // namespace

AdminResponse handle_devices(Call& call) {
  const auto& seg = call.segments;
  const std::string& method = call.request.method;
  if (seg.size() == 1) {
    if (method != "GET") return error_response(405, method + " is not allowed on /api/devices");
    return list_devices(call);
  }
  if (seg.size() != 3 && seg.size() != 4) {
    return error_response(404, "unknown API path: expected /api/devices/{user}/{device}[/{action}]");
  }
  DeviceKey key{seg[1], seg[2]};
  if (Status s = check_id("user", key.user_id); !s.is_ok()) return status_response(s);
  if (Status s = check_id("device id", key.device_id); !s.is_ok()) return status_response(s);
  const std::string target = device_target(key.user_id, key.device_id);
  static const std::vector<std::string> kVerbs = {"approve", "allow", "block", "quarantine",
                                                  "wipe", "cancel-wipe", "clear-wipe"};
  if (seg.size() == 4) {
    bool known = false;
    for (const std::string& v : kVerbs) known = known || v == seg[3];
    if (!known) {
      return error_response(404, "unknown device action \"" + seg[3] +
                                     "\" (expected approve, allow, block, quarantine, wipe, "
                                     "cancel-wipe, clear-wipe)");
    }
    if (method != "POST") return error_response(405, "device actions need POST");
  } else if (method != "GET" && method != "DELETE") {
    return error_response(405, method + " is not allowed on a device (GET or DELETE)");
  }

  Result<DeviceRecord> device = call.store.get_device(key);
  if (!device.is_ok()) {
    if (device.status().kind() == ErrorKind::kNotFound) {
      return error_response(404, "device " + target + " not found");
    }
    return status_response(device.status());
  }
  if (seg.size() == 3) {
    if (method == "GET") return record_response(call, device_json(*device));
    return remove(call, key, *device);
  }
  const std::string& verb = seg[3];
  if (verb == "wipe") return wipe(call, key, *device);
  if (verb == "cancel-wipe") return cancel_wipe(call, key, *device);
  if (verb == "clear-wipe") return clear_wipe(call, key, *device);
  return set_access(call, key, *device, verb);
}

}  // namespace easgate::admin_internal
