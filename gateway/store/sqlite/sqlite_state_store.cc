#include "gateway/store/sqlite/sqlite_state_store.h"

#include "gateway/store/sqlite/schema.h"
#include "gateway/store/sqlite/sqlite_state_store_impl.h"

namespace easgate {
namespace {

// Longer than any real mailbox address (RFC 5321: 254) or DeviceId; refuses garbage.
constexpr size_t kMaxKeyLength = 320;

Status check_key_part(const std::string& value, const char* what) {
  if (value.empty()) return Status::invalid_argument(std::string("empty ") + what);
  if (value.size() > kMaxKeyLength) {
    return Status::invalid_argument(std::string(what) + " longer than " +
                                    std::to_string(kMaxKeyLength) + " bytes");
  }
  return Status::ok();
}

UserRecord read_user_row(const SqliteStatement& stmt) {
  UserRecord u;
  u.user_id = stmt.text(0);
  u.eas_enabled = stmt.int64(1) != 0;
  u.eas_reason = stmt.text(2);
  u.created_at = from_unix_ms(stmt.int64(3));
  u.updated_at = from_unix_ms(stmt.int64(4));
  return u;
}

}  // namespace

Status check_device_key(const DeviceKey& key) {
  if (Status s = check_key_part(key.user_id, "user id"); !s) return s;
  return check_key_part(key.device_id, "device id");
}

Status check_collection_key(const CollectionKey& key) {
  if (Status s = check_device_key({key.user_id, key.device_id}); !s) return s;
  // MS-ASCMD 2.2.3.166.4: a folder ServerId is at most 64 characters.
  if (key.collection_id.empty() || key.collection_id.size() > 64) {
    return Status::invalid_argument("collection id must be 1..64 characters");
  }
  return Status::ok();
}

Result<std::unique_ptr<StateStore>> open_sqlite_state_store(const std::string& path,
                                                             int busy_timeout_ms) {
  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::open(path, busy_timeout_ms);
  if (!db) return db.status();
  if (Status s = migrate_sqlite_schema(**db); !s) return s;
  return std::unique_ptr<StateStore>(new SqliteStateStore(std::move(db).value()));
}

Result<int> SqliteStateStore::schema_version() { return read_sqlite_schema_version(*db_); }

// --- users ------------------------------------------------------------------------------

Result<UserRecord> SqliteStateStore::get_or_create_user(const std::string& user_id,
                                                        StoreTime now) {
  if (Status s = check_key_part(user_id, "user id"); !s) return s;
  // One statement: the UPSERT's no-op update makes RETURNING yield the existing row too.
  Result<SqliteStatement> stmt = db_->prepare(
      "INSERT INTO users (user_id, created_at, updated_at) VALUES (?1, ?2, ?2) "
      "ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id "
      "RETURNING user_id, eas_enabled, eas_reason, created_at, updated_at");
  if (!stmt) return stmt.status();
  stmt->bind(user_id, to_unix_ms(now));
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::internal("upsert user returned no row");
  UserRecord user = read_user_row(*stmt);
  // Finish the statement so the autocommit transaction ends now, not when it is reused.
  if (Status s = stmt->run(); !s) return s;
  return user;
}

Result<UserRecord> SqliteStateStore::get_user(const std::string& user_id) {
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT user_id, eas_enabled, eas_reason, created_at, updated_at FROM users "
      "WHERE user_id = ?");
  if (!stmt) return stmt.status();
  stmt->bind(user_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("unknown user " + user_id);
  return read_user_row(*stmt);
}

Result<std::vector<UserRecord>> SqliteStateStore::list_users() {
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT user_id, eas_enabled, eas_reason, created_at, updated_at FROM users "
      "ORDER BY user_id");
  if (!stmt) return stmt.status();
  std::vector<UserRecord> users;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    users.push_back(read_user_row(*stmt));
  }
  return users;
}

Status SqliteStateStore::set_user_eas_enabled(const std::string& user_id, bool enabled,
                                              const std::string& reason, StoreTime now) {
  if (Status s = check_key_part(user_id, "user id"); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "INSERT INTO users (user_id, eas_enabled, eas_reason, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?4) "
      "ON CONFLICT (user_id) DO UPDATE SET eas_enabled = excluded.eas_enabled, "
      "eas_reason = excluded.eas_reason, updated_at = excluded.updated_at");
  if (!stmt) return stmt.status();
  return stmt->bind(user_id, enabled, reason, to_unix_ms(now)).run();
}

}  // namespace easgate
