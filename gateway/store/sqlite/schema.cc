#include "gateway/store/sqlite/schema.h"

#include <string>

#include "gateway/core/log.h"

namespace easgate {
namespace {

struct Migration {
  int version;      // schema version after this migration
  const char* sql;  // statements to get there from version - 1
};

// Append only: never edit a migration that has shipped; add the next version instead.
// Times are Unix milliseconds (0 = not set). Enums are stored by name (store_enums.h).
constexpr Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE users (
  user_id     TEXT PRIMARY KEY,
  eas_enabled INTEGER NOT NULL DEFAULT 1,
  eas_reason  TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE devices (
  user_id              TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
  device_id            TEXT NOT NULL,
  device_type          TEXT NOT NULL DEFAULT '',
  user_agent           TEXT NOT NULL DEFAULT '',
  protocol_version     TEXT NOT NULL DEFAULT '',
  model                TEXT NOT NULL DEFAULT '',
  imei                 TEXT NOT NULL DEFAULT '',
  os                   TEXT NOT NULL DEFAULT '',
  os_language          TEXT NOT NULL DEFAULT '',
  phone_number         TEXT NOT NULL DEFAULT '',
  friendly_name        TEXT NOT NULL DEFAULT '',
  mobile_operator      TEXT NOT NULL DEFAULT '',
  first_seen           INTEGER NOT NULL,
  last_seen            INTEGER NOT NULL,
  access_state         TEXT NOT NULL DEFAULT 'pending',
  access_reason        TEXT NOT NULL DEFAULT '',
  policy_name          TEXT NOT NULL DEFAULT '',
  policy_key           INTEGER NOT NULL DEFAULT 0,
  policy_status        TEXT NOT NULL DEFAULT 'none',
  recovery_password    TEXT NOT NULL DEFAULT '',
  wipe_state           TEXT NOT NULL DEFAULT 'none',
  wipe_kind            TEXT NOT NULL DEFAULT 'full',
  wipe_requested_at    INTEGER NOT NULL DEFAULT 0,
  wipe_requested_by    TEXT NOT NULL DEFAULT '',
  wipe_sent_at         INTEGER NOT NULL DEFAULT 0,
  wipe_acknowledged_at INTEGER NOT NULL DEFAULT 0,
  next_folder_id       INTEGER NOT NULL DEFAULT 1,  -- folder ServerId counter, never reset
  PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;

CREATE TABLE device_command_counts (
  user_id   TEXT NOT NULL,
  device_id TEXT NOT NULL,
  command   TEXT NOT NULL,
  count     INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, command),
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- At most two rows per device: the current FolderSync SyncKey and the previous one.
CREATE TABLE folder_snapshots (
  user_id   TEXT NOT NULL,
  device_id TEXT NOT NULL,
  sync_key  INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, sync_key),
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE folder_entries (
  user_id          TEXT NOT NULL,
  device_id        TEXT NOT NULL,
  sync_key         INTEGER NOT NULL,
  position         INTEGER NOT NULL,  -- order within the snapshot
  server_id        TEXT NOT NULL,
  parent_server_id TEXT NOT NULL,
  display_name     TEXT NOT NULL,
  type             INTEGER NOT NULL,
  backend_ref      TEXT NOT NULL,
  backend_identity TEXT NOT NULL,
  PRIMARY KEY (user_id, device_id, sync_key, position),
  FOREIGN KEY (user_id, device_id, sync_key)
    REFERENCES folder_snapshots(user_id, device_id, sync_key) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE collections (
  user_id       TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  next_item     INTEGER NOT NULL DEFAULT 1,  -- item ServerId counter, kept across resets
  PRIMARY KEY (user_id, device_id, collection_id),
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- At most two rows per collection: the current Sync SyncKey and the previous one.
CREATE TABLE collection_generations (
  user_id         TEXT NOT NULL,
  device_id       TEXT NOT NULL,
  collection_id   TEXT NOT NULL,
  generation      INTEGER NOT NULL,
  folder_identity TEXT NOT NULL,
  cursor          TEXT NOT NULL,
  pending_window  BLOB NOT NULL,
  committed_at    INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, collection_id, generation),
  FOREIGN KEY (user_id, device_id, collection_id)
    REFERENCES collections(user_id, device_id, collection_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- The ServerId <-> backend id map, versioned by generation so a Sync touches only the
-- rows it changes: a row is visible at generation g when added_gen <= g and
-- (removed_gen IS NULL OR removed_gen > g).
CREATE TABLE collection_items (
  user_id       TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  server_id     TEXT NOT NULL,
  added_gen     INTEGER NOT NULL,
  removed_gen   INTEGER,
  backend_id    TEXT NOT NULL,
  PRIMARY KEY (user_id, device_id, collection_id, server_id, added_gen),
  FOREIGN KEY (user_id, device_id, collection_id)
    REFERENCES collections(user_id, device_id, collection_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX collection_items_by_backend
  ON collection_items(user_id, device_id, collection_id, backend_id);
CREATE INDEX collection_items_by_removed
  ON collection_items(user_id, device_id, collection_id, removed_gen)
  WHERE removed_gen IS NOT NULL;

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  details TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log(at, id);
)sql"},
    // Governance: who made the access decision, the once-per-device quarantine notice,
    // the rest of Settings DeviceInformation, and personal exemptions.
    {2, R"sql(
ALTER TABLE devices ADD COLUMN access_source TEXT NOT NULL DEFAULT 'rule';
ALTER TABLE devices ADD COLUMN quarantine_notified_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN info_user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN enable_outbound_sms INTEGER NOT NULL DEFAULT 0;

-- Exemptions may name a device that was never seen, so no foreign key to devices.
CREATE TABLE device_exemptions (
  user_id    TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  kind       TEXT NOT NULL,
  note       TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;
)sql"},
    // Governance added through the admin API: device access rules (evaluated after the
    // YAML rules, by position), policy assignments (overriding the YAML's for the same
    // user or group), and a revision counter workers poll instead of re-reading the lists.
    {3, R"sql(
CREATE TABLE access_rules (
  name       TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
  position   INTEGER NOT NULL,  -- 1-based among API rules; no gaps
  action     TEXT NOT NULL,
  created_by TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE access_rule_conditions (
  rule_name TEXT NOT NULL COLLATE NOCASE
    REFERENCES access_rules(name) ON DELETE CASCADE,
  idx       INTEGER NOT NULL,  -- order as given
  field     TEXT NOT NULL,
  kind      TEXT NOT NULL,
  pattern   TEXT NOT NULL,
  PRIMARY KEY (rule_name, idx)
) WITHOUT ROWID;

CREATE TABLE policy_assignments (
  assignee_kind TEXT NOT NULL,  -- 'user' (lower-cased id) or 'group'
  assignee      TEXT NOT NULL,
  policy_name   TEXT NOT NULL,
  assigned_by   TEXT NOT NULL DEFAULT '',
  assigned_at   INTEGER NOT NULL,
  PRIMARY KEY (assignee_kind, assignee)
) WITHOUT ROWID;

-- Starts at a random value so two databases (a restored backup, a test's fresh store)
-- never share a revision a cached copy could be mistaken for.
CREATE TABLE governance_revision (revision INTEGER NOT NULL);
INSERT INTO governance_revision VALUES (abs(random() % 1000000000000));
)sql"},
    {4, R"sql(
-- Per-message gateway metadata IMAP cannot carry (MS-ASEMAIL 2.2.2.34 follow-up Flag
-- details, LastVerbExecutionTime), keyed by the message itself rather than by device or
-- collection: it survives a device resync and every device of the user sees it.
-- A UIDVALIDITY change makes old rows unreachable (they are dropped lazily by age).
CREATE TABLE message_meta (
  user_id     TEXT NOT NULL,
  mailbox     TEXT NOT NULL,
  uidvalidity INTEGER NOT NULL,
  uid         INTEGER NOT NULL,
  meta        BLOB NOT NULL,     -- encoded by the sync engine (opaque here)
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (user_id, mailbox, uidvalidity, uid)
) WITHOUT ROWID;
)sql"},
    // Per-device request state a device may omit later, so a restart (or another node
    // sharing the store) still honours an empty Ping or Sync, and the Sync ClientId record
    // that makes a retried client Add idempotent.
    {5, R"sql(
-- kind 'ping': the last accepted Ping parameters (MS-ASCMD 2.2.3.88.1) as a WBXML Ping
-- request; kind 'sync': the last full Sync request without client commands (MS-ASCMD
-- 2.2.1.21.1), WBXML. Both are decoded by the WBXML codec and the command parsers.
CREATE TABLE device_requests (
  user_id    TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  kind       TEXT NOT NULL,
  body       BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, kind),
  FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- A client Add (MS-ASCMD 2.2.3.28.2 ClientId) applied in `generation`: a retry of the same
-- request (the response was lost) gets the same ServerId instead of a second item. Rows
-- older than the key the client proved it has are pruned by the commit.
CREATE TABLE sync_client_adds (
  user_id       TEXT NOT NULL,
  device_id     TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  client_id     TEXT NOT NULL,
  generation    INTEGER NOT NULL,
  server_id     TEXT NOT NULL,
  backend_id    TEXT NOT NULL,
  PRIMARY KEY (user_id, device_id, collection_id, client_id),
  FOREIGN KEY (user_id, device_id, collection_id)
    REFERENCES collections(user_id, device_id, collection_id) ON DELETE CASCADE
) WITHOUT ROWID;
)sql"},
    // ItemOperations Move with MoveAlways (MS-ASCON 2.2.2.8), per user: every device of
    // the user and every node applies the rule to the conversation's new mail.
    {6, R"sql(
CREATE TABLE conversation_rules (
  user_id         TEXT NOT NULL,
  conversation_id BLOB NOT NULL,  -- email2:ConversationId, raw bytes
  destination     TEXT NOT NULL,  -- IMAP mailbox name (wire form)
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (user_id, conversation_id)
) WITHOUT ROWID;
)sql"},
};

}  // namespace

int sqlite_latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

Result<int> read_sqlite_schema_version(SqliteDb& db) {
  Result<SqliteStatement> stmt = db.prepare("SELECT version FROM schema_version");
  if (!stmt) return stmt.status();
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::internal("schema_version table is empty");
  return static_cast<int>(stmt->int64(0));
}

Status migrate_sqlite_schema(SqliteDb& db) {
  SqliteTransaction txn(db);
  if (Status s = txn.begin(); !s) return std::move(s).prefixed("migrate");
  if (Status s = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
                         "INSERT INTO schema_version SELECT 0 "
                         "WHERE NOT EXISTS (SELECT 1 FROM schema_version);");
      !s) {
    return std::move(s).prefixed("migrate");
  }
  Result<int> current = read_sqlite_schema_version(db);
  if (!current) return current.status();
  const int latest = sqlite_latest_schema_version();
  if (*current > latest) {
    return Status::unsupported("state database " + db.path() + " has schema version " +
                               std::to_string(*current) + ", newer than this easgate (" +
                               std::to_string(latest) +
                               "); upgrade easgate or restore an older database");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (Status s = db.exec(m.sql); !s) {
      return std::move(s).prefixed("migration to schema " + std::to_string(m.version));
    }
  }
  if (*current < latest) {
    Result<SqliteStatement> set = db.prepare("UPDATE schema_version SET version = ?");
    if (!set) return set.status();
    if (Status s = set->bind(latest).run(); !s) return s;
  }
  if (Status s = txn.commit(); !s) return std::move(s).prefixed("migrate");
  if (*current < latest) {
    log_info("store").msg("state database migrated").kv("path", db.path())
        .kv("from", *current).kv("to", latest);
  }
  return Status::ok();
}

}  // namespace easgate
