// Per-collection sync state (Sync): SyncKey generations and the versioned item map.
//
// Generation rules (DESIGN.md "Sync engine"): generation N+1 is written together with the
// map changes it covers, in one transaction; N stays until the client proves it has N+1 by
// sending it. Map rows carry [added_gen, removed_gen) so both live generations are
// readable and a commit touches only the rows that change.

#include <limits>

#include "gateway/store/sqlite/sqlite_state_store_impl.h"

namespace easgate {
namespace {

// MS-ASCMD 2.2.3.166.8 (ServerId in Sync): opaque string of up to 64 characters.
constexpr size_t kMaxItemServerIdLength = 64;

// Binds (user, device, collection) as ?1..?3; callers' SQL puts the key first.
#define EASGATE_COLLECTION_KEY_SQL "user_id = ?1 AND device_id = ?2 AND collection_id = ?3"
// Visibility of a map row at generation ?4.
#define EASGATE_VISIBLE_AT_SQL "added_gen <= ?4 AND (removed_gen IS NULL OR removed_gen > ?4)"

Result<CollectionGeneration> read_generation_row(const SqliteStatement& s) {
  CollectionGeneration g;
  g.generation = static_cast<uint32_t>(s.int64(0));
  g.folder_identity = s.text(1);
  g.cursor = s.text(2);
  g.pending_window = s.blob(3);
  g.committed_at = from_unix_ms(s.int64(4));
  return g;
}

}  // namespace

Result<uint32_t> SqliteStateStore::current_generation(const CollectionKey& key) {
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT coalesce(max(generation), 0) FROM collection_generations "
      "WHERE " EASGATE_COLLECTION_KEY_SQL);
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, key.collection_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  return *row ? static_cast<uint32_t>(stmt->int64(0)) : 0u;
}

Status SqliteStateStore::require_live_generation(const CollectionKey& key, uint32_t generation) {
  // Commits keep exactly the current and the previous generation, so "the row exists" is
  // the "current or previous" test.
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT 1 FROM collection_generations WHERE " EASGATE_COLLECTION_KEY_SQL
      " AND generation = ?4");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, key.collection_id, generation);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) {
    return Status::not_found("collection " + key.collection_id + " SyncKey " +
                             std::to_string(generation) + " is neither current nor previous");
  }
  return Status::ok();
}

Result<CollectionGeneration> SqliteStateStore::load_collection_state(const CollectionKey& key,
                                                                     uint32_t generation) {
  if (Status s = check_collection_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT generation, folder_identity, cursor, pending_window, committed_at "
      "FROM collection_generations WHERE " EASGATE_COLLECTION_KEY_SQL " AND generation = ?4");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, key.collection_id, generation);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) {
    return Status::not_found("collection " + key.collection_id + " SyncKey " +
                             std::to_string(generation) + " is neither current nor previous");
  }
  return read_generation_row(*stmt);
}

Result<CollectionGeneration> SqliteStateStore::load_current_collection_state(
    const CollectionKey& key) {
  if (Status s = check_collection_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT generation, folder_identity, cursor, pending_window, committed_at "
      "FROM collection_generations WHERE " EASGATE_COLLECTION_KEY_SQL
      " ORDER BY generation DESC LIMIT 1");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, key.collection_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status::not_found("collection " + key.collection_id + " was never synced");
  return read_generation_row(*stmt);
}

Status SqliteStateStore::apply_item_update(const CollectionKey& key, uint32_t generation,
                                           const ItemMapUpdate& update,
                                           std::vector<std::string>* out,
                                           const std::vector<std::string>* reuse) {
  // Removals: a row added in this very generation was never seen by the previous one, so
  // it is deleted outright; older rows are closed at this generation.
  for (const std::string& server_id : update.remove_server_ids) {
    Result<SqliteStatement> del = db_->prepare(
        "DELETE FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL
        " AND server_id = ?5 AND removed_gen IS NULL AND added_gen = ?4");
    if (!del) return del.status();
    del->bind(key.user_id, key.device_id, key.collection_id, generation, server_id);
    if (Status s = del->run(); !s) return s;
    Result<SqliteStatement> close = db_->prepare(
        "UPDATE collection_items SET removed_gen = ?4 WHERE " EASGATE_COLLECTION_KEY_SQL
        " AND server_id = ?5 AND removed_gen IS NULL");
    if (!close) return close.status();
    close->bind(key.user_id, key.device_id, key.collection_id, generation, server_id);
    if (Status s = close->run(); !s) return s;
  }

  for (const ItemMapping& m : update.rebind) {
    int64_t added_gen = -1;
    {
      Result<SqliteStatement> live = db_->prepare(
          "SELECT added_gen FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL
          " AND server_id = ?4 AND removed_gen IS NULL");
      if (!live) return live.status();
      live->bind(key.user_id, key.device_id, key.collection_id, m.server_id);
      Result<bool> row = live->step();
      if (!row) return row.status();
      if (!*row) return Status::invalid_argument("rebind of unknown ServerId " + m.server_id);
      added_gen = live->int64(0);
    }
    if (added_gen == generation) {
      Result<SqliteStatement> set = db_->prepare(
          "UPDATE collection_items SET backend_id = ?5 WHERE " EASGATE_COLLECTION_KEY_SQL
          " AND server_id = ?4 AND removed_gen IS NULL");
      if (!set) return set.status();
      set->bind(key.user_id, key.device_id, key.collection_id, m.server_id, m.backend_id);
      if (Status s = set->run(); !s) return s;
      continue;
    }
    Result<SqliteStatement> close = db_->prepare(
        "UPDATE collection_items SET removed_gen = ?4 WHERE " EASGATE_COLLECTION_KEY_SQL
        " AND server_id = ?5 AND removed_gen IS NULL");
    if (!close) return close.status();
    close->bind(key.user_id, key.device_id, key.collection_id, generation, m.server_id);
    if (Status s = close->run(); !s) return s;
    Result<SqliteStatement> add = db_->prepare(
        "INSERT INTO collection_items (user_id, device_id, collection_id, server_id, "
        "added_gen, removed_gen, backend_id) VALUES (?1, ?2, ?3, ?5, ?4, NULL, ?6)");
    if (!add) return add.status();
    add->bind(key.user_id, key.device_id, key.collection_id, generation, m.server_id,
              m.backend_id);
    if (Status s = add->run(); !s) return s;
  }

  if (update.add_backend_ids.empty()) return Status::ok();
  int64_t next_item = 0;
  {
    Result<SqliteStatement> counter = db_->prepare(
        "SELECT next_item FROM collections WHERE " EASGATE_COLLECTION_KEY_SQL);
    if (!counter) return counter.status();
    counter->bind(key.user_id, key.device_id, key.collection_id);
    Result<bool> row = counter->step();
    if (!row) return row.status();
    if (!*row) return Status::internal("collection row missing for " + key.collection_id);
    next_item = counter->int64(0);
  }
  for (size_t i = 0; i < update.add_backend_ids.size(); ++i) {
    const std::string& backend_id = update.add_backend_ids[i];
    // An item already mapped (e.g. MoveItems recorded it before this Sync saw it) keeps
    // its ServerId instead of reaching the client twice.
    {
      Result<SqliteStatement> known = db_->prepare(
          // INDEXED BY: without it SQLite walks the whole collection by primary key
          // (O(items) per lookup, O(n^2) for an initial sync; seen in bench/email_sync).
          "SELECT server_id FROM collection_items INDEXED BY collection_items_by_backend "
          "WHERE " EASGATE_COLLECTION_KEY_SQL " AND backend_id = ?4 AND removed_gen IS NULL "
          "LIMIT 1");
      if (!known) return known.status();
      known->bind(key.user_id, key.device_id, key.collection_id, backend_id);
      Result<bool> row = known->step();
      if (!row) return row.status();
      if (*row) {
        out->push_back(known->text(0));
        continue;
      }
    }
    std::string server_id;
    if (reuse != nullptr && i < reuse->size() && !(*reuse)[i].empty()) {
      // A retried client Add: its ServerId is handed out again when no row holds it (the
      // retry dropped the generation that mapped it).
      Result<SqliteStatement> taken = db_->prepare(
          "SELECT 1 FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL
          " AND server_id = ?4 LIMIT 1");
      if (!taken) return taken.status();
      taken->bind(key.user_id, key.device_id, key.collection_id, (*reuse)[i]);
      Result<bool> row = taken->step();
      if (!row) return row.status();
      if (!*row) server_id = (*reuse)[i];
    }
    if (server_id.empty()) server_id = key.collection_id + ":" + std::to_string(next_item++);
    if (server_id.size() > kMaxItemServerIdLength) {
      return Status::invalid_argument("item ServerId would exceed 64 characters: " + server_id);
    }
    Result<SqliteStatement> add = db_->prepare(
        "INSERT INTO collection_items (user_id, device_id, collection_id, server_id, "
        "added_gen, removed_gen, backend_id) VALUES (?1, ?2, ?3, ?5, ?4, NULL, ?6)");
    if (!add) return add.status();
    add->bind(key.user_id, key.device_id, key.collection_id, generation, server_id, backend_id);
    if (Status s = add->run(); !s) return s;
    out->push_back(std::move(server_id));
  }
  Result<SqliteStatement> save = db_->prepare(
      "UPDATE collections SET next_item = ?4 WHERE " EASGATE_COLLECTION_KEY_SQL);
  if (!save) return save.status();
  return save->bind(key.user_id, key.device_id, key.collection_id, next_item).run();
}

Result<CollectionCommitResult> SqliteStateStore::commit_collection_generation(
    const CollectionKey& key, const CollectionCommit& commit) {
  if (Status s = check_collection_key(key); !s) return s;
  if (commit.base_generation == std::numeric_limits<uint32_t>::max()) {
    return Status::invalid_argument("SyncKey generation would overflow");
  }
  const uint32_t base = commit.base_generation;
  const uint32_t next = base + 1;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  if (Status s = require_device({key.user_id, key.device_id}); !s) return s;
  {
    Result<SqliteStatement> ensure = db_->prepare(
        "INSERT INTO collections (user_id, device_id, collection_id) VALUES (?1, ?2, ?3) "
        "ON CONFLICT DO NOTHING");
    if (!ensure) return ensure.status();
    if (Status s = ensure->bind(key.user_id, key.device_id, key.collection_id).run(); !s) {
      return s;
    }
  }
  Result<uint32_t> current = current_generation(key);
  if (!current) return current.status();

  // ServerIds recorded for the request's ClientIds, read before the cleanup below drops
  // the generation a retried request replaces.
  std::vector<std::string> reuse;
  for (size_t i = 0; i < commit.add_client_ids.size() && i < commit.items.add_backend_ids.size();
       ++i) {
    if (commit.add_client_ids[i].empty()) continue;
    Result<std::optional<ClientAddRecord>> known = find_client_add(key, commit.add_client_ids[i]);
    if (!known) return known.status();
    // Only a retry of the request that made the record (same base key, so the record is
    // of generation `next`): MS-ASCMD 2.2.3.28.2 lets a client reuse a ClientId once the
    // request that carried it is done, and a later Add is a new item.
    if (!*known || (*known)->generation != next ||
        (*known)->backend_id != commit.items.add_backend_ids[i])
      continue;
    reuse.resize(commit.items.add_backend_ids.size());
    reuse[i] = (*known)->server_id;
  }

  // Each cleanup statement binds the key as ?1..?3 and its generation value as ?4.
  struct Cleanup {
    const char* sql;     // statement to run
    int64_t generation;  // value bound to ?4
  };
  std::vector<Cleanup> cleanup;
  if (base == 0) {
    // MS-ASCMD Sync with SyncKey 0: the client starts the collection over.
    cleanup = {
        {"DELETE FROM collection_generations WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND generation >= ?4", 0},
        {"DELETE FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND added_gen >= ?4", 0},
        {"DELETE FROM sync_client_adds WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND generation >= ?4", 0},
    };
  } else if (*current == base) {
    // The client sent the current key, proving it has it: drop base-1 and the rows that
    // were visible only there.
    cleanup = {
        {"DELETE FROM collection_generations WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND generation < ?4", base},
        {"DELETE FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND removed_gen <= ?4", base},
        // Adds answered in `base` can no longer be retried (base - 1 is gone).
        {"DELETE FROM sync_client_adds WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND generation <= ?4", base},
    };
  } else if (*current != 0 && *current == next) {
    // Retry with the previous key: the response carrying `current` never arrived, so
    // that generation is undone and written again from `base`.
    cleanup = {
        {"DELETE FROM collection_generations WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND generation = ?4", *current},
        {"DELETE FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND added_gen = ?4", *current},
        {"UPDATE collection_items SET removed_gen = NULL WHERE " EASGATE_COLLECTION_KEY_SQL
         " AND removed_gen = ?4", *current},
    };
  } else {
    return Status::not_found("collection " + key.collection_id + " SyncKey " +
                             std::to_string(base) + " is neither current nor previous (current " +
                             std::to_string(*current) + ")");
  }
  for (const Cleanup& c : cleanup) {
    Result<SqliteStatement> stmt = db_->prepare(c.sql);
    if (!stmt) return stmt.status();
    stmt->bind(key.user_id, key.device_id, key.collection_id, c.generation);
    if (Status s = stmt->run(); !s) return s;
  }
  {
    Result<SqliteStatement> add = db_->prepare(
        "INSERT INTO collection_generations (user_id, device_id, collection_id, generation, "
        "folder_identity, cursor, pending_window, committed_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!add) return add.status();
    add->bind(key.user_id, key.device_id, key.collection_id, next, commit.folder_identity,
              commit.cursor, SqliteBlob{commit.pending_window}, to_unix_ms(commit.now));
    if (Status s = add->run(); !s) return s;
  }
  CollectionCommitResult result;
  result.generation = next;
  if (Status s = apply_item_update(key, next, commit.items, &result.added_server_ids,
                                   reuse.empty() ? nullptr : &reuse);
      !s) {
    return s;
  }
  if (Status s = record_client_adds(key, next, commit, result.added_server_ids); !s) return s;
  if (Status s = txn.commit(); !s) return s;
  return result;
}

Status SqliteStateStore::record_client_adds(const CollectionKey& key, uint32_t generation,
                                            const CollectionCommit& commit,
                                            const std::vector<std::string>& server_ids) {
  for (size_t i = 0; i < commit.add_client_ids.size() && i < server_ids.size() &&
                     i < commit.items.add_backend_ids.size();
       ++i) {
    const std::string& client_id = commit.add_client_ids[i];
    if (client_id.empty()) continue;
    // MS-ASCMD 2.2.3.28.2: up to 64 digits and letters; a longer one is not recorded.
    if (client_id.size() > kMaxItemServerIdLength) continue;
    Result<SqliteStatement> put = db_->prepare(
        "INSERT INTO sync_client_adds (user_id, device_id, collection_id, client_id, "
        "generation, server_id, backend_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT (user_id, device_id, collection_id, client_id) DO UPDATE SET "
        "generation = excluded.generation, server_id = excluded.server_id, "
        "backend_id = excluded.backend_id");
    if (!put) return put.status();
    put->bind(key.user_id, key.device_id, key.collection_id, client_id, generation,
              server_ids[i], commit.items.add_backend_ids[i]);
    if (Status s = put->run(); !s) return s;
  }
  return Status::ok();
}

Result<std::optional<ClientAddRecord>> SqliteStateStore::find_client_add(
    const CollectionKey& key, const std::string& client_id) {
  if (Status s = check_collection_key(key); !s) return s;
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT generation, server_id, backend_id FROM sync_client_adds WHERE "
      EASGATE_COLLECTION_KEY_SQL " AND client_id = ?4");
  if (!stmt) return stmt.status();
  stmt->bind(key.user_id, key.device_id, key.collection_id, client_id);
  Result<bool> row = stmt->step();
  if (!row) return row.status();
  if (!*row) return std::optional<ClientAddRecord>();
  ClientAddRecord r;
  r.generation = static_cast<uint32_t>(stmt->int64(0));
  r.server_id = stmt->text(1);
  r.backend_id = stmt->text(2);
  return std::optional<ClientAddRecord>(std::move(r));
}

Result<std::vector<std::string>> SqliteStateStore::map_items(const CollectionKey& key,
                                                             const ItemMapUpdate& update) {
  if (Status s = check_collection_key(key); !s) return s;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  Result<uint32_t> current = current_generation(key);
  if (!current) return current.status();
  if (*current == 0) {
    return Status::not_found("collection " + key.collection_id + " has no sync state");
  }
  std::vector<std::string> added;
  if (Status s = apply_item_update(key, *current, update, &added); !s) return s;
  if (Status s = txn.commit(); !s) return s;
  return added;
}

namespace {

// Shared body of the two batch lookups: runs `sql` (key ?1..?3, generation ?4, probe ?5)
// once per probe and collects column 0 of the first row.
Result<std::vector<std::optional<std::string>>> lookup_each(
    SqliteDb& db, const char* sql, const CollectionKey& key, uint32_t generation,
    const std::vector<std::string>& probes) {
  std::vector<std::optional<std::string>> out;
  out.reserve(probes.size());
  for (const std::string& probe : probes) {
    Result<SqliteStatement> stmt = db.prepare(sql);
    if (!stmt) return stmt.status();
    stmt->bind(key.user_id, key.device_id, key.collection_id, generation, probe);
    Result<bool> row = stmt->step();
    if (!row) return row.status();
    out.push_back(*row ? std::optional<std::string>(stmt->text(0)) : std::nullopt);
  }
  return out;
}

}  // namespace

Result<std::vector<std::optional<std::string>>> SqliteStateStore::lookup_by_server_ids(
    const CollectionKey& key, uint32_t generation, const std::vector<std::string>& server_ids) {
  if (Status s = check_collection_key(key); !s) return s;
  // A read transaction: the generation check and the lookups see one commit.
  if (Status s = db_->exec("BEGIN"); !s) return s;
  Result<std::vector<std::optional<std::string>>> result =
      [&]() -> Result<std::vector<std::optional<std::string>>> {
    if (Status s = require_live_generation(key, generation); !s) return s;
    return lookup_each(*db_,
                       "SELECT backend_id FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL
                       " AND server_id = ?5 AND " EASGATE_VISIBLE_AT_SQL " LIMIT 1",
                       key, generation, server_ids);
  }();
  (void)db_->exec("COMMIT");
  return result;
}

Result<std::vector<std::optional<std::string>>> SqliteStateStore::lookup_by_backend_ids(
    const CollectionKey& key, uint32_t generation, const std::vector<std::string>& backend_ids) {
  if (Status s = check_collection_key(key); !s) return s;
  if (Status s = db_->exec("BEGIN"); !s) return s;
  Result<std::vector<std::optional<std::string>>> result =
      [&]() -> Result<std::vector<std::optional<std::string>>> {
    if (Status s = require_live_generation(key, generation); !s) return s;
    return lookup_each(*db_,
                       "SELECT server_id FROM collection_items INDEXED BY "
                       "collection_items_by_backend WHERE " EASGATE_COLLECTION_KEY_SQL
                       " AND backend_id = ?5 AND " EASGATE_VISIBLE_AT_SQL " LIMIT 1",
                       key, generation, backend_ids);
  }();
  (void)db_->exec("COMMIT");
  return result;
}

Result<std::vector<ItemMapping>> SqliteStateStore::list_items(const CollectionKey& key,
                                                              uint32_t generation) {
  if (Status s = check_collection_key(key); !s) return s;
  if (Status s = db_->exec("BEGIN"); !s) return s;
  Result<std::vector<ItemMapping>> result = [&]() -> Result<std::vector<ItemMapping>> {
    if (Status s = require_live_generation(key, generation); !s) return s;
    Result<SqliteStatement> stmt = db_->prepare(
        "SELECT server_id, backend_id FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL
        " AND " EASGATE_VISIBLE_AT_SQL " ORDER BY server_id");
    if (!stmt) return stmt.status();
    stmt->bind(key.user_id, key.device_id, key.collection_id, generation);
    std::vector<ItemMapping> items;
    for (;;) {
      Result<bool> row = stmt->step();
      if (!row) return row.status();
      if (!*row) break;
      items.push_back({stmt->text(0), stmt->text(1)});
    }
    return items;
  }();
  (void)db_->exec("COMMIT");
  return result;
}

Status SqliteStateStore::reset_collection(const CollectionKey& key) {
  if (Status s = check_collection_key(key); !s) return s;
  SqliteTransaction txn(*db_);
  if (Status s = txn.begin(); !s) return s;
  for (const char* sql : {
           "DELETE FROM collection_generations WHERE " EASGATE_COLLECTION_KEY_SQL,
           "DELETE FROM collection_items WHERE " EASGATE_COLLECTION_KEY_SQL,
           "DELETE FROM sync_client_adds WHERE " EASGATE_COLLECTION_KEY_SQL,
       }) {
    Result<SqliteStatement> stmt = db_->prepare(sql);
    if (!stmt) return stmt.status();
    if (Status s = stmt->bind(key.user_id, key.device_id, key.collection_id).run(); !s) {
      return s;
    }
  }
  return txn.commit();
}

}  // namespace easgate
