// Governance additions (schema 2): rule decisions vs admin decisions, the quarantine
// notice claim, clearing an acknowledged wipe, device counts and personal exemptions.

#include "gateway/store/sqlite/sqlite_state_store_impl.h"
#include "gateway/store/store_enums.h"

namespace easgate {

Status SqliteStateStore::record_access_decision(const DeviceKey& key, DeviceAccessState state,
                                                const std::string& reason) {
  if (Status s = check_device_key(key); !s) return s;
  // The access_source guard keeps an admin decision that landed between the rule
  // evaluation and this write (another worker, the admin API) from being overwritten.
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET access_state = ?3, access_reason = ?4 "
      "WHERE user_id = ?1 AND device_id = ?2 AND access_source = 'rule'");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, device_access_state_name(state), reason);
  if (Status s = stmt->run(); !s) return s;
  if (db_->changes() == 0) return require_device(key);  // admin-owned: ok, unchanged
  return Status::ok();
}

Result<bool> SqliteStateStore::claim_quarantine_notice(const DeviceKey& key, StoreTime now) {
  if (Status s = check_device_key(key); !s) return s;
  // One guarded UPDATE: of two workers racing, exactly one sees a changed row.
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET quarantine_notified_at = ?3 "
      "WHERE user_id = ?1 AND device_id = ?2 AND quarantine_notified_at = 0");
  if (!stmt) return stmt.status();
  int64_t at = to_unix_ms(now);
  stmt->bind(key.user_id, key.device_id, at == 0 ? int64_t{1} : at);
  if (Status s = stmt->run(); !s) return s;
  if (db_->changes() == 1) return true;
  if (Status s = require_device(key); !s) return s;
  return false;
}

Status SqliteStateStore::clear_wipe(const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET wipe_state = 'none', wipe_requested_at = 0, wipe_requested_by = '', "
      "wipe_sent_at = 0, wipe_acknowledged_at = 0, policy_key = 0, policy_status = 'none' "
      "WHERE user_id = ?1 AND device_id = ?2 AND wipe_state = 'acknowledged'");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id);
  if (Status s = stmt->run(); !s) return s;
  if (db_->changes() == 1) return Status::ok();
  if (Status s = require_device(key); !s) return s;
  return Status::conflict("no acknowledged wipe for " + key.user_id + "/" + key.device_id);
}

Result<size_t> SqliteStateStore::count_devices(const std::string& user_id) {
  Result<SqliteStatement> stmt = db_->prepare("SELECT count(*) FROM devices WHERE user_id = ?");
  if (!stmt) return stmt.status();
  stmt->bind(user_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  return static_cast<size_t>(*row ? stmt->int64(0) : 0);
}

Status SqliteStateStore::set_device_exemption(const DeviceExemptionRecord& e) {
  if (Status s = check_device_key({e.user_id, e.device_id}); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "INSERT INTO device_exemptions (user_id, device_id, kind, note, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, device_id) DO UPDATE SET "
      "kind = excluded.kind, note = excluded.note, created_at = excluded.created_at");
  if (!stmt) return stmt.status();
  stmt->bind(e.user_id, e.device_id, device_exemption_kind_name(e.kind), e.note,
             to_unix_ms(e.created_at));
  return stmt->run();
}

Status SqliteStateStore::remove_device_exemption(const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt =
      db_->prepare("DELETE FROM device_exemptions WHERE user_id = ? AND device_id = ?");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id);
  if (Status s = stmt->run(); !s) return s;
  if (db_->changes() == 0) {
    return Status::not_found("no exemption for " + key.user_id + "/" + key.device_id);
  }
  return Status::ok();
}

namespace {

Result<DeviceExemptionRecord> read_exemption_row(const SqliteStatement& s) {
  DeviceExemptionRecord e;
  e.user_id = s.text(0);
  e.device_id = s.text(1);
  e.note = s.text(3);
  e.created_at = from_unix_ms(s.int64(4));
  if (!parse_device_exemption_kind(s.text(2), &e.kind)) {
    return Status::internal("exemption " + e.user_id + "/" + e.device_id +
                            " has an unknown kind");
  }
  return e;
}

}  // namespace

Result<DeviceExemptionRecord> SqliteStateStore::get_device_exemption(const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT user_id, device_id, kind, note, created_at FROM device_exemptions "
      "WHERE user_id = ? AND device_id = ?");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("no exemption for " + key.user_id + "/" + key.device_id);
  return read_exemption_row(*stmt);
}

Result<std::vector<DeviceExemptionRecord>> SqliteStateStore::list_device_exemptions(
    const std::optional<std::string>& user_id) {
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT user_id, device_id, kind, note, created_at FROM device_exemptions "
      "WHERE ?1 IS NULL OR user_id = ?1 ORDER BY user_id, device_id");
  if (!stmt) return stmt.status();
  if (user_id) {
    stmt->bind(*user_id);
  } else {
    stmt->bind(nullptr);
  }
  std::vector<DeviceExemptionRecord> out;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    Result<DeviceExemptionRecord> e = read_exemption_row(*stmt);
    if (!e) return e.status();
    out.push_back(std::move(e).value());
  }
  return out;
}

}  // namespace easgate
