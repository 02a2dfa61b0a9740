#include "gateway/commands/sync_dav.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "gateway/commands/sync_dav_items.h"
#include "gateway/commands/sync_email.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/dav_sync_state.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;

constexpr char kLog[] = "sync_dav";
// RFC 6578 3.6: a truncated answer is continued with its token; bound the rounds of one
// request so a misbehaving server cannot hold the request forever.
constexpr int kMaxChangeRounds = 20;

// State of one collection while its backend calls are outstanding.
struct DavCollectionRun {
  std::shared_ptr<RequestContext> request;
  SyncCollectionRequest req;
  DavCollectionTarget target;
  DavItemContext items;
  std::function<void(WbxmlElement)> done;

  CollectionKey key;
  uint32_t generation = 0;   // the client's SyncKey
  bool retry = false;        // the client holds the previous generation
  DavCursor cursor;          // cursor at `generation`, moved by this request
  std::string base_cursor;   // the cursor text stored with `generation`
  DavPendingWindow pending;  // list still to send, grown by collected changes
  bool map_changed = false;  // client commands changed the item map

  std::vector<DavClientCommand> commands;  // client commands, in order
  size_t next_command = 0;                 // index of the command being applied
  std::map<std::string, std::string> href_of;  // client ServerId -> href (known ones)
  std::vector<std::string> removed;            // ServerIds leaving the map
  std::vector<std::string> client_added;       // hrefs the client added, in order
  std::vector<std::string> client_added_ids;   // their ClientIds
  WbxmlElement responses{as::kResponses};      // AirSync:Responses being built
  std::vector<WbxmlElement> fetch_responses;   // Fetch answers (they need ServerIds only)
  int change_rounds = 0;                       // sync_changes calls made
  bool full_walk = false;                      // collecting from an empty token...
  std::set<std::string> walked;                // ...and the hrefs it listed so far

  // The window being served.
  std::vector<std::string> deleted_ids;        // ServerIds sent as Delete
  std::vector<WbxmlElement> changed;           // Change commands, complete
  std::vector<std::string> added_hrefs;        // hrefs sent as Add, in order
  std::vector<WbxmlElement> added_data;        // their ApplicationData
  size_t served_removed = 0;                   // pending.removed consumed
  size_t served_changed = 0;                   // pending.changed consumed

  CollectionStore& dav() { return *request->services.collection_store; }
  StateStore& store() { return *request->services.store; }
  const Credentials& creds() const { return request->credentials; }
};
using Run = std::shared_ptr<DavCollectionRun>;

void next_command(const Run& run);
void collect(const Run& run);
void serve_window(const Run& run);

void fail(const Run& run, int status, const Status& why) {
  if (status == kSyncServerError || status == kSyncRetry) {
    log_warn(kLog).msg("collection failed").kv("collection", run->req.collection_id)
        .kv("status", status).kv("error", why.to_string());
  }
  run->done(sync_collection_status(run->req, status));
}

int status_for(const Status& s) {
  if (s.kind() == ErrorKind::kTimeout || s.kind() == ErrorKind::kBackendUnavailable)
    return kSyncRetry;
  // The collection is gone on the server: the hierarchy changed (MS-ASCMD 2.2.3.177.17).
  if (s.kind() == ErrorKind::kNotFound) return kSyncHierarchyChanged;
  return kSyncServerError;
}

void add_response(const Run& run, Tag op, std::string_view server_id, int status) {
  WbxmlElement& e = run->responses.add_child(op);
  e.add_text(as::kServerId, std::string(server_id));
  e.add_text(as::kStatus, std::to_string(status));
}

// A stable resource name for a client Add: the same device, collection, SyncKey and
// ClientId give the same name, so an Add repeated after a lost response (a retried SyncKey)
// meets If-None-Match: * and is recognised instead of creating a duplicate. The key is part
// of it because a client may reuse a ClientId in a later request (MS-ASCMD 2.2.3.28.2: it
// is unique only while its request runs), and that Add is a new item.
std::string add_resource_stem(const Run& run, const std::string& client_id) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64: stable across builds and hosts
  auto mix = [&h](std::string_view s) {
    for (unsigned char ch : s) {
      h ^= ch;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  mix(run->key.user_id);
  mix(run->key.device_id);
  mix(run->key.collection_id);
  mix(std::to_string(run->generation));
  mix(client_id);
  char buf[40];
  std::snprintf(buf, sizeof buf, "eas-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string collection_member(const Run& run, const std::string& name) {
  std::string href = run->target.href;
  if (href.empty() || href.back() != '/') href += '/';
  return href + name;
}

// ---- the first Sync: SyncKey 0 -> 1, no items (MS-ASCMD 2.2.3.166.4) ---------------------

void initial_sync(const Run& run) {
  CollectionCommit commit;
  commit.base_generation = 0;
  commit.folder_identity = run->target.href;
  commit.cursor = encode_dav_cursor(DavCursor{});
  commit.now = run->request->services.clock->wall_now();
  auto result = run->store().commit_collection_generation(run->key, commit);
  if (!result.is_ok()) return fail(run, kSyncServerError, result.status());
  WbxmlElement c(as::kCollection);
  if (run->request->eas->version < ProtocolVersion::v14_0())
    c.add_text(as::kClass, std::string(dav_class_name(run->target.kind)));
  c.add_text(as::kSyncKey, std::to_string(result->generation));
  c.add_text(as::kCollectionId, run->req.collection_id);
  c.add_text(as::kStatus, std::to_string(kSyncSuccess));
  run->done(std::move(c));
}

// ---- client commands (applied in request order) ------------------------------------------

void command_done(const Run& run) {
  ++run->next_command;
  next_command(run);
}

void put_merged(const Run& run, const DavClientCommand& cmd, const std::string& href,
                DavItem current);

void apply_add(const Run& run, const DavClientCommand& cmd) {
  std::string stem = add_resource_stem(run, cmd.client_id);
  auto body = dav_body_from_client(run->items, cmd.application_data, std::nullopt, stem);
  auto answer = [run, client_id = cmd.client_id](int status) {
    WbxmlElement& e = run->responses.add_child(as::kAdd);
    e.add_text(as::kClientId, client_id);
    e.add_text(as::kStatus, std::to_string(status));
  };
  if (!body.is_ok()) {
    log_info(kLog).msg("client Add refused").kv("error", body.status().message());
    answer(kSyncConversionError);
    return command_done(run);
  }
  DavPut put;
  put.href_or_name = stem + std::string(dav_extension(run->target.kind));
  put.body = std::move(body).value();
  put.content_type = std::string(dav_content_type(run->target.kind));
  std::string href = collection_member(run, put.href_or_name);
  run->dav().put_item(run->creds(), run->target.href, std::move(put),
                      [run, answer, href, client_id = cmd.client_id](Result<DavItemRef> r) {
    if (!run->request->client_alive()) return;
    std::string etag;
    std::string added = href;
    if (r.is_ok()) {
      added = r->href.empty() ? href : r->href;
      etag = r->etag;
    } else if (r.status().kind() != ErrorKind::kConflict) {
      log_warn(kLog).msg("client Add failed").kv("error", r.status().to_string());
      answer(status_for(r.status()) == kSyncRetry ? kSyncRetry : kSyncServerError);
      return command_done(run);
    }
    // kConflict: If-None-Match failed, the object exists: this Add was already applied by
    // a request whose response was lost. Its ETag is unknown; the next collect sends the
    // member as a Change at most once.
    if (run->cursor.known.count(added) == 0) {
      run->cursor.known[added] = etag;
      run->client_added.push_back(added);
      run->client_added_ids.push_back(client_id);
      run->map_changed = true;
    } else {
      // Already mapped at this generation (the same Add twice in one key): answer it with
      // the existing ServerId.
      auto id = run->store().lookup_by_backend_ids(run->key, run->generation, {added});
      if (id.is_ok() && (*id)[0]) {
        WbxmlElement& e = run->responses.add_child(as::kAdd);
        e.add_text(as::kClientId, client_id);
        e.add_text(as::kServerId, *(*id)[0]);
        e.add_text(as::kStatus, std::to_string(kSyncSuccess));
      } else {
        answer(kSyncServerError);
      }
    }
    command_done(run);
  });
}

void apply_change(const Run& run, const DavClientCommand& cmd) {
  auto it = run->href_of.find(cmd.server_id);
  if (it == run->href_of.end()) {
    add_response(run, as::kChange, cmd.server_id, kSyncObjectNotFound);
    return command_done(run);
  }
  std::string href = it->second;
  run->dav().fetch_items(run->creds(), run->target.href, run->target.kind, {href},
                         [run, cmd, href](Result<std::vector<DavItem>> got) {
    if (!run->request->client_alive()) return;
    if (!got.is_ok()) {
      add_response(run, as::kChange, cmd.server_id, status_for(got.status()));
      return command_done(run);
    }
    if (got->empty()) {
      // Deleted on the server meanwhile: the pending Delete tells the device.
      add_response(run, as::kChange, cmd.server_id, kSyncObjectNotFound);
      return command_done(run);
    }
    DavItem current = std::move(got->front());
    const std::string& seen = run->cursor.known[href];
    bool changed_meanwhile = !seen.empty() && !current.etag.empty() && seen != current.etag;
    if (changed_meanwhile && run->req.conflict != 0) {
      // MS-ASCMD 2.2.3.34: server wins (the default): the client's change is discarded,
      // Status 7 says so and the server's version goes out in this response.
      add_response(run, as::kChange, cmd.server_id, kSyncConflict);
      run->pending.changed.insert(run->pending.changed.begin(), href);
      return command_done(run);
    }
    put_merged(run, cmd, href, std::move(current));
  });
}

void put_merged(const Run& run, const DavClientCommand& cmd, const std::string& href,
                DavItem current) {
  auto body = dav_body_from_client(run->items, cmd.application_data, current.body, "");
  if (!body.is_ok()) {
    log_info(kLog).msg("client Change refused").kv("error", body.status().message());
    add_response(run, as::kChange, cmd.server_id, kSyncConversionError);
    return command_done(run);
  }
  DavPut put;
  put.href_or_name = href;
  put.body = std::move(body).value();
  put.content_type = std::string(dav_content_type(run->target.kind));
  // Never a blind overwrite: a change made on the server after `current` is a 412.
  put.if_match = current.etag.empty() ? run->cursor.known[href] : current.etag;
  run->dav().put_item(run->creds(), run->target.href, std::move(put),
                      [run, cmd, href](Result<DavItemRef> r) {
    if (!run->request->client_alive()) return;
    if (!r.is_ok()) {
      if (r.status().kind() == ErrorKind::kConflict) {
        // Changed between our read and our write: the server's version stands (a retry
        // of a client-wins change would race again), sent back now.
        add_response(run, as::kChange, cmd.server_id, kSyncConflict);
        run->pending.changed.insert(run->pending.changed.begin(), href);
      } else {
        log_warn(kLog).msg("client Change failed").kv("error", r.status().to_string());
        add_response(run, as::kChange, cmd.server_id, status_for(r.status()));
      }
      return command_done(run);
    }
    // The device holds this version now: a sync-collection report of it is not echoed.
    run->cursor.known[href] = r->etag;
    command_done(run);
  });
}

void apply_delete(const Run& run, const DavClientCommand& cmd) {
  auto it = run->href_of.find(cmd.server_id);
  if (it == run->href_of.end()) {
    add_response(run, as::kDelete, cmd.server_id, kSyncObjectNotFound);
    return command_done(run);
  }
  std::string href = it->second;
  std::string if_match = run->req.conflict == 0 ? std::string() : run->cursor.known[href];
  run->dav().delete_item(run->creds(), href, if_match, [run, cmd, href](Status st) {
    if (!run->request->client_alive()) return;
    // The ServerId leaves the map in every outcome but a transient failure.
    if (!st.is_ok() && st.kind() != ErrorKind::kNotFound && st.kind() != ErrorKind::kConflict) {
      log_warn(kLog).msg("client Delete failed").kv("error", st.to_string());
      add_response(run, as::kDelete, cmd.server_id, status_for(st));
      return command_done(run);
    }
    run->removed.push_back(cmd.server_id);
    run->cursor.known.erase(href);
    run->map_changed = true;
    if (st.kind() == ErrorKind::kConflict) {
      // Server wins: the member was changed meanwhile and stays; it goes back to the
      // device as a new item (MS-ASCMD 2.2.3.34).
      run->pending.changed.insert(run->pending.changed.begin(), href);
    }
    command_done(run);
  });
}

void apply_fetch(const Run& run, const DavClientCommand& cmd) {
  auto it = run->href_of.find(cmd.server_id);
  if (it == run->href_of.end()) {
    add_response(run, as::kFetch, cmd.server_id, kSyncObjectNotFound);
    return command_done(run);
  }
  run->dav().fetch_items(run->creds(), run->target.href, run->target.kind, {it->second},
                         [run, cmd](Result<std::vector<DavItem>> got) {
    if (!run->request->client_alive()) return;
    if (!got.is_ok() || got->empty()) {
      add_response(run, as::kFetch, cmd.server_id,
                   got.is_ok() ? kSyncObjectNotFound : status_for(got.status()));
      return command_done(run);
    }
    WbxmlElement e(as::kFetch);
    e.add_text(as::kServerId, cmd.server_id);
    e.add_text(as::kStatus, std::to_string(kSyncSuccess));
    DavItemContext all = run->items;
    all.since = 0;  // a Fetch names the item: no FilterType
    all.incomplete_tasks_only = false;
    auto ok = dav_item_to_client(all, got->front().body, e.add_child(as::kApplicationData));
    if (!ok.is_ok()) {
      add_response(run, as::kFetch, cmd.server_id, kSyncConversionError);
      return command_done(run);
    }
    run->responses.mutable_children().push_back(std::move(e));
    command_done(run);
  });
}

void next_command(const Run& run) {
  if (!run->request->client_alive()) return;
  if (run->next_command == run->commands.size()) return collect(run);
  const DavClientCommand& cmd = run->commands[run->next_command];
  switch (cmd.kind) {
    case DavClientCommand::Kind::kAdd: return apply_add(run, cmd);
    case DavClientCommand::Kind::kChange: return apply_change(run, cmd);
    case DavClientCommand::Kind::kDelete: return apply_delete(run, cmd);
    case DavClientCommand::Kind::kFetch: return apply_fetch(run, cmd);
  }
}

// ---- server changes ----------------------------------------------------------------------

void merge_changes(const Run& run, DavChanges changes) {
  if (changes.token_invalid) {
    // RFC 6578 3.2: the token expired. Not a device resync: list everything and diff
    // against the ETags the device holds.
    run->request->services.metrics->record_degraded("dav_sync_token_invalid");
    run->cursor.sync_token.clear();
    if (++run->change_rounds > kMaxChangeRounds) return serve_window(run);
    return collect(run);
  }
  std::vector<DavItemRef> present = changes.from_listing ? changes.listing : changes.changed;
  if (!changes.from_listing && (run->cursor.sync_token.empty() || run->full_walk)) {
    // A token-less report lists every member (RFC 6578 3.8): what the device holds and the
    // whole listing (a 507-truncated one is continued first) lacks is gone.
    run->full_walk = true;
    for (const auto& m : changes.changed) run->walked.insert(m.href);
    if (!changes.truncated) {
      for (const auto& [href, etag] : run->cursor.known)
        if (!run->walked.count(href)) changes.removed.push_back(href);
      run->full_walk = false;
    }
  }
  for (const DavItemRef& m : present) {
    auto k = run->cursor.known.find(m.href);
    // The device already has this version (its own write, or a retried window): no echo.
    if (k != run->cursor.known.end() && !m.etag.empty() && k->second == m.etag) continue;
    append_unique(run->pending.changed, m.href);
  }
  for (const std::string& href : changes.removed) {
    if (!run->cursor.known.count(href)) continue;
    std::erase(run->pending.changed, href);
    append_unique(run->pending.removed, href);
  }
  run->cursor.sync_token = changes.sync_token;
  if (changes.truncated && ++run->change_rounds < kMaxChangeRounds) return collect(run);
  serve_window(run);
}

void collect(const Run& run) {
  if (!run->request->client_alive()) return;
  // MS-ASCMD 2.2.3.84: GetChanges absent means 1 once the collection is primed.
  if (!run->req.get_changes.value_or(true)) {
    run->target.window_size = 0;  // client commands only; the list stays for later
    return serve_window(run);
  }
  if (!run->pending.empty() && run->change_rounds == 0) return serve_window(run);
  std::vector<DavItemRef> snapshot;
  for (const auto& [href, etag] : run->cursor.known) snapshot.push_back(DavItemRef{href, etag});
  run->dav().sync_changes(run->creds(), run->target.href, run->cursor.sync_token, snapshot,
                          [run](Result<DavChanges> changes) {
    if (!run->request->client_alive()) return;
    if (!changes.is_ok()) return fail(run, status_for(changes.status()), changes.status());
    ++run->change_rounds;
    merge_changes(run, std::move(changes).value());
  });
}

// ---- the window --------------------------------------------------------------------------

void commit_and_reply(const Run& run);

void serve_window(const Run& run) {
  uint32_t room = run->target.window_size;
  DavPendingWindow& p = run->pending;
  run->served_removed = std::min<size_t>(room, p.removed.size());
  room -= static_cast<uint32_t>(run->served_removed);
  run->served_changed = std::min<size_t>(room, p.changed.size());
  if (run->served_removed) {
    std::vector<std::string> hrefs(p.removed.begin(), p.removed.begin() + static_cast<std::ptrdiff_t>(run->served_removed));
    auto known = run->store().lookup_by_backend_ids(run->key, run->generation, hrefs);
    if (!known.is_ok()) return fail(run, kSyncServerError, known.status());
    for (size_t i = 0; i < hrefs.size(); ++i) {
      run->cursor.known.erase(hrefs[i]);
      if ((*known)[i]) run->deleted_ids.push_back(*(*known)[i]);
    }
  }
  if (run->served_changed == 0) return commit_and_reply(run);
  std::vector<std::string> hrefs(p.changed.begin(), p.changed.begin() + static_cast<std::ptrdiff_t>(run->served_changed));
  run->dav().fetch_items(run->creds(), run->target.href, run->target.kind, hrefs,
                         [run, hrefs](Result<std::vector<DavItem>> got) {
    if (!run->request->client_alive()) return;
    if (!got.is_ok()) return fail(run, status_for(got.status()), got.status());
    std::map<std::string, DavItem*> by_href;
    for (DavItem& item : *got) by_href[item.href] = &item;
    auto known = run->store().lookup_by_backend_ids(run->key, run->generation, hrefs);
    if (!known.is_ok()) return fail(run, kSyncServerError, known.status());
    for (size_t i = 0; i < hrefs.size(); ++i) {
      const std::string& href = hrefs[i];
      auto it = by_href.find(href);
      bool device_has = run->cursor.known.count(href) > 0;
      const std::optional<std::string>& server_id = (*known)[i];
      if (it == by_href.end()) {
        // Gone between the report and the fetch: a Delete if the device has it.
        if (device_has && server_id) run->deleted_ids.push_back(*server_id);
        run->cursor.known.erase(href);
        continue;
      }
      WbxmlElement data(as::kApplicationData);
      auto shown = dav_item_to_client(run->items, it->second->body, data);
      if (!shown.is_ok()) {
        // One unreadable object must not stall the collection: skipped, counted, logged.
        run->request->services.metrics->record_degraded("dav_item_unreadable");
        log_warn(kLog).msg("item skipped").kv("href", href).kv("error", shown.status().message());
        continue;
      }
      if (!*shown) {
        // Outside the FilterType now: a device that has it keeps it (Exchange does not
        // delete on a filter move); one that has not, does not get it.
        if (device_has) run->cursor.known[href] = it->second->etag;
        continue;
      }
      if (device_has && !server_id) {
        // Added by the client in this request (its ETag was unknown): nothing to send.
        run->cursor.known[href] = it->second->etag;
        continue;
      }
      if (device_has) {
        WbxmlElement e(as::kChange);
        e.add_text(as::kServerId, *server_id);
        e.mutable_children().push_back(std::move(data));
        run->changed.push_back(std::move(e));
      } else {
        run->added_hrefs.push_back(href);
        run->added_data.push_back(std::move(data));
      }
      run->cursor.known[href] = it->second->etag;
    }
    commit_and_reply(run);
  });
}

void commit_and_reply(const Run& run) {
  DavPendingWindow rest;
  const DavPendingWindow& p = run->pending;
  rest.removed.assign(p.removed.begin() + static_cast<std::ptrdiff_t>(run->served_removed), p.removed.end());
  rest.changed.assign(p.changed.begin() + static_cast<std::ptrdiff_t>(run->served_changed), p.changed.end());

  std::string cursor_text = encode_dav_cursor(run->cursor);
  bool anything = !run->deleted_ids.empty() || !run->changed.empty() || !run->added_hrefs.empty() ||
                  run->map_changed || run->served_removed || run->served_changed ||
                  encode_dav_pending_window(rest) != encode_dav_pending_window(p);
  uint32_t new_key = run->generation;
  std::vector<std::string> added_ids;
  if (anything || cursor_text != run->base_cursor || run->retry) {
    CollectionCommit commit;
    commit.base_generation = run->generation;
    commit.folder_identity = run->target.href;
    commit.cursor = std::move(cursor_text);
    commit.pending_window = encode_dav_pending_window(rest);
    commit.items.remove_server_ids = run->removed;
    commit.items.remove_server_ids.insert(commit.items.remove_server_ids.end(),
                                          run->deleted_ids.begin(), run->deleted_ids.end());
    commit.items.add_backend_ids = run->client_added;
    commit.add_client_ids = run->client_added_ids;  // first entries: a retry keeps its ServerIds
    commit.items.add_backend_ids.insert(commit.items.add_backend_ids.end(),
                                        run->added_hrefs.begin(), run->added_hrefs.end());
    commit.now = run->request->services.clock->wall_now();
    auto result = run->store().commit_collection_generation(run->key, commit);
    if (!result.is_ok()) {
      if (result.status().kind() == ErrorKind::kNotFound || result.status().kind() == ErrorKind::kConflict)
        return fail(run, kSyncInvalidKey, result.status());
      return fail(run, kSyncServerError, result.status());
    }
    new_key = result->generation;
    added_ids = std::move(result->added_server_ids);
  }
  // The client's Adds got the first ServerIds, in order (MS-ASCMD 2.2.3.166.1).
  for (size_t i = 0; i < run->client_added.size() && i < added_ids.size(); ++i) {
    WbxmlElement& e = run->responses.add_child(as::kAdd);
    e.add_text(as::kClientId, run->client_added_ids[i]);
    e.add_text(as::kServerId, added_ids[i]);
    e.add_text(as::kStatus, std::to_string(kSyncSuccess));
  }

  WbxmlElement c(as::kCollection);
  if (run->request->eas->version < ProtocolVersion::v14_0())
    c.add_text(as::kClass, std::string(dav_class_name(run->target.kind)));
  c.add_text(as::kSyncKey, std::to_string(new_key));
  c.add_text(as::kCollectionId, run->req.collection_id);
  c.add_text(as::kStatus, std::to_string(kSyncSuccess));
  if (!rest.empty() && run->req.get_changes.value_or(true)) c.add_child(as::kMoreAvailable);
  if (!run->deleted_ids.empty() || !run->changed.empty() || !run->added_hrefs.empty()) {
    WbxmlElement& cmds = c.add_child(as::kCommands);
    for (const auto& id : run->deleted_ids) cmds.add_child(as::kDelete).add_text(as::kServerId, id);
    for (auto& e : run->changed) cmds.mutable_children().push_back(std::move(e));
    size_t first = run->client_added.size();
    for (size_t i = 0; i < run->added_hrefs.size() && first + i < added_ids.size(); ++i) {
      WbxmlElement& e = cmds.add_child(as::kAdd);
      e.add_text(as::kServerId, added_ids[first + i]);
      e.mutable_children().push_back(std::move(run->added_data[i]));
    }
  }
  if (!run->responses.children().empty()) c.mutable_children().push_back(std::move(run->responses));
  run->done(std::move(c));
}

void start(const Run& run) {
  const SyncCollectionRequest& req = run->req;
  if (!run->request->services.collection_store)
    return fail(run, kSyncServerError, Status::internal("no DAV backend configured"));
  if (!req.sync_key) return fail(run, kSyncInvalidKey, Status::malformed("SyncKey not a number"));
  if (*req.sync_key == 0) return initial_sync(run);
  run->generation = *req.sync_key;
  auto held = run->store().load_collection_state(run->key, run->generation);
  if (!held.is_ok()) {
    if (held.status().kind() == ErrorKind::kNotFound) return fail(run, kSyncInvalidKey, held.status());
    return fail(run, kSyncServerError, held.status());
  }
  auto current = run->store().load_current_collection_state(run->key);
  run->retry = current.is_ok() && current->generation != run->generation;
  auto cursor = decode_dav_cursor(held->cursor);
  auto pending = decode_dav_pending_window(held->pending_window);
  if (!cursor || !pending || held->folder_identity != run->target.href) {
    // Unreadable state or another collection behind the same CollectionId: start over.
    run->request->services.metrics->record_degraded("sync_collection_reset");
    (void)run->store().reset_collection(run->key);
    return fail(run, kSyncInvalidKey, Status::malformed("unusable DAV collection state"));
  }
  run->cursor = std::move(*cursor);
  run->base_cursor = held->cursor;
  run->pending = std::move(*pending);

  if (run->request->body) run->commands = dav_client_commands(*run->request->body, req.collection_id);
  std::vector<std::string> ids;
  for (const auto& c : run->commands)
    if (!c.server_id.empty()) ids.push_back(c.server_id);
  if (!ids.empty()) {
    auto found = run->store().lookup_by_server_ids(run->key, run->generation, ids);
    if (!found.is_ok()) return fail(run, kSyncServerError, found.status());
    for (size_t i = 0; i < ids.size(); ++i)
      if ((*found)[i]) run->href_of[ids[i]] = *(*found)[i];
  }
  next_command(run);
}

}  // namespace

void sync_dav_collection(std::shared_ptr<RequestContext> request,
                         SyncCollectionRequest collection, DavCollectionTarget target,
                         std::function<void(WbxmlElement)> done) {
  auto run = std::make_shared<DavCollectionRun>();
  run->key = CollectionKey{request->credentials.user, request->eas->device_id,
                           collection.collection_id};
  run->items.kind = target.kind;
  run->items.version = request->eas->version;
  run->items.user_email = request->credentials.user;
  run->items.since = target.since;
  run->items.now = std::chrono::duration_cast<std::chrono::seconds>(
      request->services.clock->wall_now().time_since_epoch()).count();
  run->items.incomplete_tasks_only = target.incomplete_tasks_only;
  run->request = std::move(request);
  run->req = std::move(collection);
  run->target = std::move(target);
  run->target.window_size = std::clamp<uint32_t>(run->target.window_size, 1, 512);
  run->done = std::move(done);
  start(run);
}

}  // namespace easgate
