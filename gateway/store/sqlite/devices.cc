// Devices: sightings, command counters, governance fields (access, policy, wipe).

#include "gateway/store/sqlite/sqlite_state_store_impl.h"
#include "gateway/store/store_enums.h"

namespace easgate {
namespace {

// Column order shared by every SELECT of a device row (see read_device_row).
#define EASGATE_DEVICE_COLUMNS                                                          \
  "user_id, device_id, device_type, user_agent, protocol_version, model, imei, os, "    \
  "os_language, phone_number, friendly_name, mobile_operator, first_seen, last_seen, "  \
  "access_state, access_reason, policy_name, policy_key, policy_status, "               \
  "recovery_password, wipe_state, wipe_kind, wipe_requested_at, wipe_requested_by, "    \
  "wipe_sent_at, wipe_acknowledged_at, access_source, quarantine_notified_at, "          \
  "info_user_agent, enable_outbound_sms"

// Reads the EASGATE_DEVICE_COLUMNS starting at column `b`.
Result<DeviceRecord> read_device_row(const SqliteStatement& row, int b = 0) {
  struct Shifted {  // the row seen from column b on
    const SqliteStatement& s;
    int b;
    std::string text(int c) const { return s.text(b + c); }
    int64_t int64(int c) const { return s.int64(b + c); }
  } s{row, b};
  DeviceRecord d;
  d.user_id = s.text(0);
  d.device_id = s.text(1);
  d.device_type = s.text(2);
  d.user_agent = s.text(3);
  d.protocol_version = s.text(4);
  d.info.model = s.text(5);
  d.info.imei = s.text(6);
  d.info.os = s.text(7);
  d.info.os_language = s.text(8);
  d.info.phone_number = s.text(9);
  d.info.friendly_name = s.text(10);
  d.info.mobile_operator = s.text(11);
  d.first_seen = from_unix_ms(s.int64(12));
  d.last_seen = from_unix_ms(s.int64(13));
  d.access_reason = s.text(15);
  d.policy_name = s.text(16);
  d.policy_key = static_cast<uint32_t>(s.int64(17));
  d.recovery_password = s.text(19);
  d.wipe.requested_at = from_unix_ms(s.int64(22));
  d.wipe.requested_by = s.text(23);
  d.wipe.sent_at = from_unix_ms(s.int64(24));
  d.wipe.acknowledged_at = from_unix_ms(s.int64(25));
  d.access_by_admin = s.text(26) == "admin";
  d.quarantine_notified_at = from_unix_ms(s.int64(27));
  d.info.user_agent = s.text(28);
  d.info.enable_outbound_sms = s.int64(29) != 0;
  // A name this build does not know means the row was written by something else; say so
  // rather than guess a governance state.
  bool ok = parse_device_access_state(s.text(14), &d.access_state) &&
            parse_policy_status(s.text(18), &d.policy_status) &&
            parse_wipe_state(s.text(20), &d.wipe.state) &&
            parse_wipe_kind(s.text(21), &d.wipe.kind);
  if (!ok) {
    return Status::internal("device " + d.user_id + "/" + d.device_id +
                            " has an unknown access, policy or wipe state name");
  }
  return d;
}

}  // namespace

Status SqliteStateStore::require_device(const DeviceKey& key) {
  Result<SqliteStatement> stmt =
      db_->prepare("SELECT 1 FROM devices WHERE user_id = ? AND device_id = ?");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("unknown device " + key.user_id + "/" + key.device_id);
  return Status::ok();
}

Result<DeviceRecord> SqliteStateStore::read_device(const DeviceKey& key) {
  DeviceRecord device;
  {
    Result<SqliteStatement> stmt = db_->prepare(
        "SELECT " EASGATE_DEVICE_COLUMNS " FROM devices WHERE user_id = ? AND device_id = ?");
    if (!stmt) return stmt.status();
    stmt->bind(key.user_id, key.device_id);
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) return Status::not_found("unknown device " + key.user_id + "/" + key.device_id);
    Result<DeviceRecord> d = read_device_row(*stmt);
    if (!d) return d.status();
    device = std::move(d).value();
  }
  Result<SqliteStatement> counts = db_->prepare(
      "SELECT command, count FROM device_command_counts WHERE user_id = ? AND device_id = ?");
  if (!counts) return counts.status();
  counts->bind(key.user_id, key.device_id);
  for (;;) {
    Result<bool> row = counts->step();
    if (!row) return row.status();
    if (!*row) break;
    device.command_counts[counts->text(0)] = static_cast<uint64_t>(counts->int64(1));
  }
  return device;
}

Status SqliteStateStore::run_device_update(SqliteStatement& stmt, const DeviceKey& key) {
  if (Status s = stmt.run(); !s) return s;
  if (db_->changes() == 0) {
    return Status::not_found("unknown device " + key.user_id + "/" + key.device_id);
  }
  return Status::ok();
}

Result<DeviceRecord> SqliteStateStore::upsert_device_seen(const DeviceKey& key,
                                                          const std::string& device_type,
                                                          const std::string& user_agent,
                                                          const std::string& protocol_version,
                                                          StoreTime now) {
  if (Status s = check_device_key(key); !s) return s;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  const int64_t now_ms = to_unix_ms(now);
  {
    Result<SqliteStatement> user = db_->prepare(
        "INSERT INTO users (user_id, created_at, updated_at) VALUES (?1, ?2, ?2) "
        "ON CONFLICT (user_id) DO NOTHING");
    if (!user) return user.status();
    if (Status s = user->bind(key.user_id, now_ms).run(); !s) return s;
  }
  {
    // An empty value (e.g. an OPTIONS request without a protocol header) keeps the last
    // known one instead of erasing it.
    Result<SqliteStatement> dev = db_->prepare(
        "INSERT INTO devices (user_id, device_id, device_type, user_agent, protocol_version, "
        "first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
        "ON CONFLICT (user_id, device_id) DO UPDATE SET last_seen = excluded.last_seen, "
        "device_type = iif(excluded.device_type = '', device_type, excluded.device_type), "
        "user_agent = iif(excluded.user_agent = '', user_agent, excluded.user_agent), "
        "protocol_version = iif(excluded.protocol_version = '', protocol_version, "
        "excluded.protocol_version)");
    if (!dev) return dev.status();
    dev->bind(key.user_id, key.device_id, device_type, user_agent, protocol_version, now_ms);
    if (Status s = dev->run(); !s) return s;
  }
  Result<DeviceRecord> device = read_device(key);
  if (!device) return device.status();
  if (Status s = txn.commit(); !s) return s;
  return device;
}

Status SqliteStateStore::increment_command_count(const DeviceKey& key,
                                                 const std::string& command) {
  if (Status s = check_device_key(key); !s) return s;
  if (command.empty() || command.size() > 64) {
    return Status::invalid_argument("command name must be 1..64 characters");
  }
  // One UPSERT; the foreign key turns an unknown device into a constraint error.
  Result<SqliteStatement> stmt = db_->prepare(
      "INSERT INTO device_command_counts (user_id, device_id, command, count) "
      "VALUES (?, ?, ?, 1) "
      "ON CONFLICT (user_id, device_id, command) DO UPDATE SET count = count + 1");
  if (!stmt) return stmt.status();
  Status s = stmt->bind(key.user_id, key.device_id, command).run();
  if (s.kind() == ErrorKind::kConflict) {
    return Status::not_found("unknown device " + key.user_id + "/" + key.device_id);
  }
  return s;
}

Result<DeviceRecord> SqliteStateStore::get_device(const DeviceKey& key) {
  // Two SELECTs; a read transaction makes them one consistent snapshot.
  if (Status s = db_->exec("BEGIN"); !s) return s;
  Result<DeviceRecord> device = read_device(key);
  (void)db_->exec("COMMIT");
  return device;
}

Result<std::vector<DeviceRecord>> SqliteStateStore::list_devices(
    const std::optional<std::string>& user_id) {
  std::vector<DeviceKey> keys;
  {
    Result<SqliteStatement> stmt = db_->prepare(
        "SELECT user_id, device_id FROM devices WHERE ?1 IS NULL OR user_id = ?1 "
        "ORDER BY user_id, device_id");
    if (!stmt) return stmt.status();
    if (user_id) {
      stmt->bind(*user_id);
    } else {
      stmt->bind(nullptr);
    }
    for (;;) {
      Result<bool> row = stmt->step();
      if (!row) return row.status();
      if (!*row) break;
      keys.push_back({stmt->text(0), stmt->text(1)});
    }
  }
  std::vector<DeviceRecord> devices;
  devices.reserve(keys.size());
  for (const DeviceKey& key : keys) {
    Result<DeviceRecord> d = read_device(key);
    if (!d) {
      if (d.status().kind() == ErrorKind::kNotFound) continue;  // deleted meanwhile
      return d.status();
    }
    devices.push_back(std::move(d).value());
  }
  return devices;
}

Status SqliteStateStore::delete_device(const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  // ON DELETE CASCADE removes counters, folder snapshots and collection state with it.
  Result<SqliteStatement> stmt =
      db_->prepare("DELETE FROM devices WHERE user_id = ? AND device_id = ?");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id);
  return run_device_update(*stmt, key);
}

Status SqliteStateStore::set_device_info(const DeviceKey& key, const DeviceInfo& info) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET model = ?3, imei = ?4, os = ?5, os_language = ?6, "
      "phone_number = ?7, friendly_name = ?8, mobile_operator = ?9, info_user_agent = ?10, "
      "enable_outbound_sms = ?11 WHERE user_id = ?1 AND device_id = ?2");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, info.model, info.imei, info.os, info.os_language,
             info.phone_number, info.friendly_name, info.mobile_operator, info.user_agent,
             static_cast<int64_t>(info.enable_outbound_sms ? 1 : 0));
  return run_device_update(*stmt, key);
}

Status SqliteStateStore::set_device_access(const DeviceKey& key, DeviceAccessState state,
                                           const std::string& reason) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET access_state = ?3, access_reason = ?4, access_source = ?5 "
      "WHERE user_id = ?1 AND device_id = ?2");
  if (!stmt) return stmt.status();
  // An admin decision sticks until the admin returns the device to kPending.
  std::string source = state == DeviceAccessState::kPending ? "rule" : "admin";
  stmt->bind(key.user_id, key.device_id, device_access_state_name(state), reason, source);
  return run_device_update(*stmt, key);
}

Status SqliteStateStore::set_device_policy(const DeviceKey& key, const std::string& policy_name,
                                           uint32_t policy_key, PolicyStatus status) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET policy_name = ?3, policy_key = ?4, policy_status = ?5 "
      "WHERE user_id = ?1 AND device_id = ?2");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, policy_name, policy_key, policy_status_name(status));
  return run_device_update(*stmt, key);
}

Status SqliteStateStore::set_recovery_password(const DeviceKey& key,
                                               const std::string& password) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET recovery_password = ?3 WHERE user_id = ?1 AND device_id = ?2");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, password);
  return run_device_update(*stmt, key);
}

Status SqliteStateStore::request_wipe(const DeviceKey& key, WipeKind kind,
                                      const std::string& requested_by, StoreTime now) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET wipe_state = 'requested', wipe_kind = ?3, wipe_requested_at = ?4, "
      "wipe_requested_by = ?5, wipe_sent_at = 0, wipe_acknowledged_at = 0 "
      "WHERE user_id = ?1 AND device_id = ?2");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, wipe_kind_name(kind), to_unix_ms(now), requested_by);
  return run_device_update(*stmt, key);
}

// The guarded transitions are one UPDATE each with the expected state in the WHERE
// clause, so two workers cannot both move the same wipe forward.
Status SqliteStateStore::mark_wipe_sent(const DeviceKey& key, StoreTime now) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET wipe_state = 'sent', wipe_sent_at = ?3 "
      "WHERE user_id = ?1 AND device_id = ?2 AND wipe_state IN ('requested', 'sent')");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, to_unix_ms(now));
  Status s = run_device_update(*stmt, key);
  if (s.kind() != ErrorKind::kNotFound) return s;
  if (Status d = require_device(key); !d) return d;
  return Status::conflict("no wipe requested for " + key.user_id + "/" + key.device_id);
}

Status SqliteStateStore::mark_wipe_acknowledged(const DeviceKey& key, StoreTime now) {
  if (Status s = check_device_key(key); !s) return s;
  // 'requested' is accepted too: the worker that sent the directive may have failed to
  // record it (crash after the response), and the device's acknowledgement is the truth.
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET wipe_state = 'acknowledged', wipe_acknowledged_at = ?3 "
      "WHERE user_id = ?1 AND device_id = ?2 AND wipe_state IN ('requested', 'sent')");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, to_unix_ms(now));
  Status s = run_device_update(*stmt, key);
  if (s.kind() != ErrorKind::kNotFound) return s;
  if (Status d = require_device(key); !d) return d;
  return Status::conflict("no wipe outstanding for " + key.user_id + "/" + key.device_id);
}

Status SqliteStateStore::cancel_wipe(const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET wipe_state = 'none', wipe_requested_at = 0, wipe_requested_by = '', "
      "wipe_sent_at = 0, wipe_acknowledged_at = 0 "
      "WHERE user_id = ?1 AND device_id = ?2 AND wipe_state <> 'acknowledged'");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id);
  Status s = run_device_update(*stmt, key);
  if (s.kind() != ErrorKind::kNotFound) return s;
  if (Status d = require_device(key); !d) return d;
  return Status::conflict("wipe already acknowledged by " + key.user_id + "/" + key.device_id);
}

Result<RequestGovernanceRow> SqliteStateStore::load_request_governance(const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  // One row whatever exists: the revision row always does, the rest are LEFT JOINs.
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT g.revision, (SELECT count(*) FROM devices WHERE user_id = ?1), "
      "u.user_id IS NOT NULL, u.eas_enabled, u.eas_reason, u.created_at, u.updated_at, "
      "e.user_id IS NOT NULL, e.kind, e.note, e.created_at, d.user_id IS NOT NULL, d.* "
      "FROM governance_revision g "
      "LEFT JOIN users u ON u.user_id = ?1 "
      "LEFT JOIN device_exemptions e ON e.user_id = ?1 AND e.device_id = ?2 "
      "LEFT JOIN (SELECT " EASGATE_DEVICE_COLUMNS
      " FROM devices WHERE user_id = ?1 AND device_id = ?2) d ON 1 LIMIT 1");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::internal("governance_revision table is empty");
  RequestGovernanceRow out;
  out.governance_revision = stmt->int64(0);
  out.user_devices = static_cast<size_t>(stmt->int64(1));
  if (stmt->int64(2) != 0) {
    UserRecord u;
    u.user_id = key.user_id;
    u.eas_enabled = stmt->int64(3) != 0;
    u.eas_reason = stmt->text(4);
    u.created_at = from_unix_ms(stmt->int64(5));
    u.updated_at = from_unix_ms(stmt->int64(6));
    out.user = std::move(u);
  }
  if (stmt->int64(7) != 0) {
    DeviceExemptionRecord e;
    e.user_id = key.user_id;
    e.device_id = key.device_id;
    if (!parse_device_exemption_kind(stmt->text(8), &e.kind)) {
      return Status::internal("exemption " + key.user_id + "/" + key.device_id +
                              " has an unknown kind");
    }
    e.note = stmt->text(9);
    e.created_at = from_unix_ms(stmt->int64(10));
    out.exemption = std::move(e);
  }
  if (stmt->int64(11) != 0) {
    Result<DeviceRecord> d = read_device_row(*stmt, 12);
    if (!d) return d.status();
    out.device = std::move(d).value();
  }
  return out;
}

}  // namespace easgate
