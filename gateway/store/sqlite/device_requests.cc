// Per-device request state (schema 5, table device_requests): the Ping parameters and the
// Sync request a device may omit later (MS-ASCMD 2.2.3.88.1, 2.2.1.21.1), as opaque bytes.
// The push layer keeps them in memory too; this copy is what a restart, or another node
// sharing the store, reads back.

#include "gateway/store/sqlite/sqlite_state_store_impl.h"

namespace easgate {
namespace {

// A Sync request of 1000 collections stays well below this; anything bigger is refused
// rather than stored for every request of the device.
constexpr size_t kMaxDeviceRequestBytes = 1 << 20;

const char* kind_name(DeviceRequestKind kind) {
  switch (kind) {
    case DeviceRequestKind::kPing: return "ping";
    case DeviceRequestKind::kSync: return "sync";
  }
  return "unknown";
}

}  // namespace

Status SqliteStateStore::put_device_request(const DeviceKey& key, DeviceRequestKind kind,
                                            std::string_view body, StoreTime now) {
  if (Status s = check_device_key(key); !s) return s;
  if (body.size() > kMaxDeviceRequestBytes) {
    return Status::invalid_argument("remembered request larger than 1 MiB");
  }
  if (body.empty()) {
    Result<SqliteStatement> del = db_->prepare(
        "DELETE FROM device_requests WHERE user_id = ?1 AND device_id = ?2 AND kind = ?3");
    if (!del) return del.status();
    return del->bind(key.user_id, key.device_id, kind_name(kind)).run();
  }
  // require_device turns an unknown device into kNotFound (not a foreign key error).
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  if (Status s = require_device(key); !s) return s;
  Result<SqliteStatement> put = db_->prepare(
      "INSERT INTO device_requests (user_id, device_id, kind, body, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, device_id, kind) "
      "DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at");
  if (!put) return put.status();
  put->bind(key.user_id, key.device_id, kind_name(kind), SqliteBlob{body}, to_unix_ms(now));
  if (Status s = put->run(); !s) return s;
  return txn.commit();
}

Result<std::string> SqliteStateStore::get_device_request(const DeviceKey& key,
                                                         DeviceRequestKind kind) {
  if (Status s = check_device_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT body FROM device_requests WHERE user_id = ?1 AND device_id = ?2 AND kind = ?3");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, kind_name(kind));
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found(std::string("no remembered ") + kind_name(kind) + " request");
  return stmt->blob(0);
}

}  // namespace easgate
