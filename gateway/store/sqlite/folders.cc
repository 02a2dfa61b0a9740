// Folder hierarchy state (FolderSync): the current and the previous snapshot per device.

#include <set>

#include "gateway/store/sqlite/sqlite_state_store_impl.h"

namespace easgate {
namespace {

// MS-ASCMD 2.2.3.166.4: the client stores a folder ServerId as an opaque string of up to
// 64 characters; ParentId follows the same rule.
constexpr size_t kMaxServerIdLength = 64;

Status check_snapshot(const FolderHierarchySnapshot& snapshot) {
  if (snapshot.sync_key == 0) {
    return Status::invalid_argument("folder hierarchy SyncKey 0 is never stored");
  }
  std::set<std::string> seen;
  for (const FolderEntry& f : snapshot.folders) {
    if (f.server_id.empty() || f.server_id.size() > kMaxServerIdLength ||
        f.parent_server_id.empty() || f.parent_server_id.size() > kMaxServerIdLength) {
      return Status::invalid_argument("folder ServerId/ParentId must be 1..64 characters: '" +
                                      f.server_id + "'");
    }
    if (f.server_id == "0") {
      return Status::invalid_argument("folder ServerId \"0\" is reserved for the root");
    }
    if (!seen.insert(f.server_id).second) {
      return Status::invalid_argument("duplicate folder ServerId " + f.server_id);
    }
  }
  return Status::ok();
}

}  // namespace

Result<FolderHierarchySnapshot> SqliteStateStore::read_folder_snapshot(const DeviceKey& key,
                                                                       uint32_t sync_key) {
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT server_id, parent_server_id, display_name, type, backend_ref, backend_identity "
      "FROM folder_entries WHERE user_id = ? AND device_id = ? AND sync_key = ? "
      "ORDER BY position");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, sync_key);
  FolderHierarchySnapshot snapshot;
  snapshot.sync_key = sync_key;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    FolderEntry f;
    f.server_id = stmt->text(0);
    f.parent_server_id = stmt->text(1);
    f.display_name = stmt->text(2);
    f.type = static_cast<int>(stmt->int64(3));
    f.backend_ref = stmt->text(4);
    f.backend_identity = stmt->text(5);
    snapshot.folders.push_back(std::move(f));
  }
  return snapshot;
}

Result<FolderHierarchySnapshot> SqliteStateStore::load_folder_hierarchy(const DeviceKey& key,
                                                                        uint32_t sync_key) {
  if (Status s = check_device_key(key); !s) return s;
  // A read transaction so the snapshot row and its entries come from one commit.
  if (Status s = db_->exec("BEGIN"); !s) return s;
  Result<FolderHierarchySnapshot> result = [&]() -> Result<FolderHierarchySnapshot> {
    // Only two snapshots are ever kept (commit deletes older ones), so existence of the
    // row is the "current or previous" test.
    Result<SqliteStatement> stmt = db_->prepare(
        "SELECT 1 FROM folder_snapshots WHERE user_id = ? AND device_id = ? AND sync_key = ?");
    if (!stmt) return stmt.status();
    stmt->bind(key.user_id, key.device_id, sync_key);
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row) {
      return Status::not_found("folder hierarchy SyncKey " + std::to_string(sync_key) +
                               " is neither current nor previous");
    }
    return read_folder_snapshot(key, sync_key);
  }();
  (void)db_->exec("COMMIT");
  return result;
}

Result<FolderHierarchySnapshot> SqliteStateStore::load_current_folder_hierarchy(
    const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  if (Status s = db_->exec("BEGIN"); !s) return s;
  Result<FolderHierarchySnapshot> result = [&]() -> Result<FolderHierarchySnapshot> {
    Result<SqliteStatement> stmt = db_->prepare(
        "SELECT max(sync_key) FROM folder_snapshots WHERE user_id = ? AND device_id = ?");
    if (!stmt) return stmt.status();
    stmt->bind(key.user_id, key.device_id);
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    if (!*row || stmt->is_null(0)) {
      return Status::not_found("no folder hierarchy for " + key.user_id + "/" + key.device_id);
    }
    return read_folder_snapshot(key, static_cast<uint32_t>(stmt->int64(0)));
  }();
  (void)db_->exec("COMMIT");
  return result;
}

Status SqliteStateStore::commit_folder_hierarchy(const DeviceKey& key,
                                                 const FolderHierarchySnapshot& snapshot) {
  if (Status s = check_device_key(key); !s) return s;
  if (Status s = check_snapshot(snapshot); !s) return s;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  if (Status s = require_device(key); !s) return s;

  int64_t current = 0;  // 0: no snapshot yet
  {
    Result<SqliteStatement> stmt = db_->prepare(
        "SELECT coalesce(max(sync_key), 0) FROM folder_snapshots "
        "WHERE user_id = ? AND device_id = ?");
    if (!stmt) return stmt.status();
    stmt->bind(key.user_id, key.device_id);
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    current = *row ? stmt->int64(0) : 0;
  }
  if (static_cast<int64_t>(snapshot.sync_key) <= current) {
    return Status::conflict("folder hierarchy SyncKey " + std::to_string(snapshot.sync_key) +
                            " is not newer than the current " + std::to_string(current));
  }
  {
    // The old current stays as previous; anything older goes (entries cascade).
    Result<SqliteStatement> drop = db_->prepare(
        "DELETE FROM folder_snapshots WHERE user_id = ? AND device_id = ? AND sync_key < ?");
    if (!drop) return drop.status();
    if (Status s = drop->bind(key.user_id, key.device_id, current).run(); !s) return s;
  }
  {
    Result<SqliteStatement> add = db_->prepare(
        "INSERT INTO folder_snapshots (user_id, device_id, sync_key) VALUES (?, ?, ?)");
    if (!add) return add.status();
    if (Status s = add->bind(key.user_id, key.device_id, snapshot.sync_key).run(); !s) {
      return s;
    }
  }
  Result<SqliteStatement> entry = db_->prepare(
      "INSERT INTO folder_entries (user_id, device_id, sync_key, position, server_id, "
      "parent_server_id, display_name, type, backend_ref, backend_identity) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!entry) return entry.status();
  int64_t position = 0;
  for (const FolderEntry& f : snapshot.folders) {
    entry->bind(key.user_id, key.device_id, snapshot.sync_key, position++, f.server_id,
                f.parent_server_id, f.display_name, f.type, f.backend_ref, f.backend_identity);
    if (Status s = entry->run(); !s) return s;
  }
  return txn.commit();
}

Result<std::string> SqliteStateStore::allocate_folder_server_id(const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  // One statement, so the counter and the id handed out can never disagree after a crash.
  Result<SqliteStatement> stmt = db_->prepare(
      "UPDATE devices SET next_folder_id = next_folder_id + 1 "
      "WHERE user_id = ? AND device_id = ? RETURNING next_folder_id - 1");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("unknown device " + key.user_id + "/" + key.device_id);
  std::string id = std::to_string(stmt->int64(0));
  if (Status s = stmt->run(); !s) return s;
  return id;
}

Status SqliteStateStore::reset_folder_hierarchy(const DeviceKey& key) {
  if (Status s = check_device_key(key); !s) return s;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  if (Status s = require_device(key); !s) return s;
  // MS-ASCMD FolderSync with SyncKey 0 starts over: the client drops every folder and
  // item, so every collection's sync state goes with the hierarchy.
  for (const char* sql : {"DELETE FROM folder_snapshots WHERE user_id = ? AND device_id = ?",
                          "DELETE FROM collections WHERE user_id = ? AND device_id = ?"}) {
    Result<SqliteStatement> stmt = db_->prepare(sql);
    if (!stmt) return stmt.status();
    if (Status s = stmt->bind(key.user_id, key.device_id).run(); !s) return s;
  }
  return txn.commit();
}

}  // namespace easgate
