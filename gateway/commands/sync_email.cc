#include "gateway/commands/sync_email.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "backends/api/mail_store.h"
#include "gateway/commands/sync_email_run.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/email_sync_state.h"

namespace easgate {
namespace email_sync {

// A message larger than this is fetched alone after its window (bounded window memory).
constexpr uint64_t kWindowMessageBytes = 1024 * 1024;

std::optional<uint32_t> parse_u32(std::string_view text) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

void collect(const Run& run);
void serve_window(const Run& run);
void resolve_client_ids(const Run& run);

void fail(const Run& run, int status, const Status& why) {
  if (status == kSyncServerError || status == kSyncRetry) {
    log_warn(kLog)
        .msg("collection failed")
        .kv("collection", run->req.collection_id)
        .kv("status", status)
        .kv("error", why.to_string());
  }
  run->done(sync_collection_status(run->req, status));
}

// MS-ASCMD 2.2.3.177.17 Status 3 after the folder's UIDVALIDITY changed: the old state is
// worthless (RFC 3501 2.3.1.1), so drop it; the client starts again with SyncKey 0.
void invalid_key_reset(const Run& run, const Status& why) {
  log_info(kLog)
      .msg("collection reset")
      .kv("collection", run->req.collection_id)
      .kv("reason", why.message());
  run->request->services.metrics->record_degraded("sync_collection_reset");
  (void)run->store().reset_collection(run->key);
  run->done(sync_collection_status(run->req, kSyncInvalidKey));
}

int status_for(const Status& s) {
  if (s.kind() == ErrorKind::kConflict) return kSyncInvalidKey;
  if (s.kind() == ErrorKind::kTimeout || s.kind() == ErrorKind::kBackendUnavailable)
    return kSyncRetry;
  return kSyncServerError;
}

void backend_failed(const Run& run, const Status& s) {
  if (s.kind() == ErrorKind::kConflict || s.kind() == ErrorKind::kNotFound) {
    invalid_key_reset(run, s);  // UIDVALIDITY changed, or the folder is gone
    return;
  }
  fail(run, status_for(s), s);
}

void add_response(const Run& run, Tag op, std::string_view server_id, int status) {
  WbxmlElement& e = run->responses.add_child(op);
  e.add_text(as::kServerId, std::string(server_id));
  e.add_text(as::kStatus, std::to_string(status));
}

// ---- the first Sync: SyncKey 0 -> 1, no items (MS-ASCMD 2.2.3.166.4) ---------------------

void initial_sync(const Run& run) {
  run->mail().folder_state(
      run->request->credentials, run->target.mailbox, [run](Result<MailFolderState> state) {
        if (!run->request->client_alive()) return;
        if (!state.is_ok()) return fail(run, status_for(state.status()), state.status());
        EmailCursor cursor{state->highestmodseq, state->uidnext, state->messages};
        EmailPendingWindow pending;
        pending.initial_uid_max = state->uidnext > 1 ? state->uidnext - 1 : 0;
        pending.since = run->target.since;
        pending.filter_age = filter_age_of(run);
        pending.sms_wanted = initial_sms_wanted(run);
        if (state->messages == 0) pending.initial_uid_max = 0;
        CollectionCommit commit;
        commit.base_generation = 0;
        commit.folder_identity = std::to_string(state->uidvalidity);
        commit.cursor = encode_cursor(cursor);
        // Without CONDSTORE the walk's Adds fill the flag snapshot the fallback diffs against.
        if (state->highestmodseq == 0) commit.cursor += encode_flag_snapshot(FlagSnapshot{});
        commit.pending_window = encode_pending_window(pending);
        commit.now = run->request->services.clock->wall_now();
        auto result = run->store().commit_collection_generation(run->key, commit);
        if (!result.is_ok()) return fail(run, kSyncServerError, result.status());
        WbxmlElement c(as::kCollection);
        if (run->request->eas->version < ProtocolVersion::v14_0()) c.add_text(as::kClass, "Email");
        c.add_text(as::kSyncKey, std::to_string(result->generation));
        c.add_text(as::kCollectionId, run->req.collection_id);
        c.add_text(as::kStatus, std::to_string(kSyncSuccess));
        run->done(std::move(c));
      });
}

void apply_fetches(const Run& run);

void apply_fetches(const Run& run) {
  std::vector<uint32_t> uids;
  for (const auto& id : run->req.fetches) {
    auto it = run->uid_of.find(id);
    if (it == run->uid_of.end())
      add_response(run, as::kFetch, id, kSyncObjectNotFound);
    else
      uids.push_back(it->second);
  }
  if (uids.empty()) return collect(run);
  run->mail().fetch_messages(run->request->credentials, run->folder(), uids, 0,
                             [run](Result<std::vector<FetchedMessage>> got) {
                               if (!got.is_ok()) return backend_failed(run, got.status());
                               for (const auto& id : run->req.fetches) {
                                 auto it = run->uid_of.find(id);
                                 if (it == run->uid_of.end()) continue;
                                 auto m = std::find_if(
                                     got->begin(), got->end(),
                                     [&](const FetchedMessage& f) { return f.uid == it->second; });
                                 if (m == got->end()) {
                                   add_response(run, as::kFetch, id, kSyncObjectNotFound);
                                   continue;
                                 }
                                 WbxmlElement& e = run->responses.add_child(as::kFetch);
                                 e.add_text(as::kServerId, id);
                                 e.add_text(as::kStatus, std::to_string(kSyncSuccess));
                                 MessageSummary s;
                                 s.uid = m->uid;
                                 s.flags = m->flags;
                                 s.internal_date = m->internal_date;
                                 s.size = m->size;
                                 WbxmlElement& data = e.add_child(as::kApplicationData);
                                 append_email_item(s, m->bytes, run->target.options, id, data);
                                 show_meta(run, m->uid, m->flags, data);
                               }
                               collect(run);
                             });
}

// ---- server changes ----------------------------------------------------------------------

void merge_changes(const Run& run, MessageChanges changes) {
  std::vector<std::string> ids;
  for (const MessageChange& c : changes.changed) ids.push_back(std::to_string(c.uid));
  for (uint32_t u : changes.vanished) ids.push_back(std::to_string(u));
  auto known = run->store().lookup_by_backend_ids(run->key, run->generation, ids);
  if (!known.is_ok()) return fail(run, kSyncServerError, known.status());
  // The snapshot becomes the listing just diffed (before the loop below moves the flags
  // out); collected changes not sent yet wait in the pending list, so they are not lost. A
  // server that gained CONDSTORE needs none.
  if (changes.state.highestmodseq != 0)
    run->flags.reset();
  else if (run->flags && changes.from_snapshot)
    apply_listing_diff(changes, &*run->flags);
  size_t i = 0;
  std::vector<uint32_t>& skipped = run->pending.skipped_sms;  // SMS the device did not ask for
  for (MessageChange& c : changes.changed) {
    bool is_known = (*known)[i++].has_value();
    auto own = run->own_modseq.find(c.uid);
    if (run->client_touched.count(c.uid) &&
        (own == run->own_modseq.end() || c.modseq <= own->second))
      continue;  // the device's own change: not echoed (DESIGN.md "Sync engine")
    if (is_known)
      run->pending.changes.push_back(std::move(c));
    else if (run->pending.sms_wanted != 0 ||  // an SMS left out stays out on a flag change
             std::find(skipped.begin(), skipped.end(), c.uid) == skipped.end())
      run->pending.adds.push_back(c.uid);
  }
  for (uint32_t u : changes.vanished) {
    bool is_known = (*known)[i++].has_value();
    skipped.erase(std::remove(skipped.begin(), skipped.end(), u), skipped.end());
    if (is_known && !run->client_touched.count(u)) run->pending.deletes.push_back(u);
  }
  run->cursor =
      EmailCursor{changes.state.highestmodseq, changes.state.uidnext, changes.state.messages};
  serve_window(run);
}

void collect_changes(const Run& run) {
  std::vector<MessageChange> snapshot;
  if (run->cursor.highestmodseq == 0) {
    // Degraded (no CONDSTORE): diff against every UID the device has (MailStore contract).
    run->request->services.metrics->record_degraded("sync_without_condstore");
    auto items = run->store().list_items(run->key, run->generation);
    if (!items.is_ok()) return fail(run, kSyncServerError, items.status());
    // The flags of the last Sync the device acknowledged (its generation's snapshot); a
    // message missing from it (a generation older than snapshots, or the device's own Add
    // not collected yet) counts as flagless, so a flag on it is sent once, never lost.
    FlagSnapshot known = run->flags ? *run->flags : FlagSnapshot{};
    for (const ItemMapping& m : *items)
      if (auto u = parse_u32(m.backend_id)) known.emplace(*u, MessageFlags{});
    snapshot = snapshot_list(known);
    run->flags = std::move(known);
  }
  run->mail().changes_since(run->request->credentials, run->folder(), run->cursor.highestmodseq,
                            snapshot, [run](Result<MessageChanges> changes) {
                              if (!run->request->client_alive()) return;
                              if (!changes.is_ok()) return backend_failed(run, changes.status());
                              merge_changes(run, std::move(changes).value());
                            });
}

void collect(const Run& run) {
  if (!run->request->client_alive()) return;
  // MS-ASCMD 2.2.3.84: GetChanges absent means 1 once the collection is primed.
  bool get_changes = run->req.get_changes.value_or(true);
  if (!get_changes) {
    run->target.window_size = 0;  // client commands only; the list stays for later
    return serve_window(run);
  }
  if (!run->pending.empty()) return serve_window(run);
  // The no-change fast path: one STATUS; nothing else unless the numbers moved.
  run->mail().folder_state(
      run->request->credentials, run->target.mailbox, [run](Result<MailFolderState> state) {
        if (!run->request->client_alive()) return;
        if (!state.is_ok()) return backend_failed(run, state.status());
        if (state->uidvalidity != run->uidvalidity)
          return invalid_key_reset(run, Status::conflict("UIDVALIDITY changed"));
        const EmailCursor& c = run->cursor;
        // Without CONDSTORE flag changes leave no trace in STATUS: always diff (degraded).
        bool unchanged = state->highestmodseq != 0 && state->highestmodseq == c.highestmodseq;
        if (unchanged && run->own_modseq.empty()) return serve_window(run);
        collect_changes(run);
      });
}

// ---- the window --------------------------------------------------------------------------

void fetch_adds(const Run& run, std::vector<uint32_t> uids) {
  if (uids.empty()) return commit_and_reply(run);
  run->mail().fetch_messages(
      run->request->credentials, run->folder(), uids, kWindowMessageBytes,
      [run](Result<std::vector<FetchedMessage>> got) {
        if (!run->request->client_alive()) return;
        if (!got.is_ok()) return backend_failed(run, got.status());
        const auto& whole = run->pending.conversation_adds;  // ConversationMode brought them
        for (FetchedMessage& m : *got) {
          // FilterType: a message older than the window is not shown (MS-ASCMD 2.2.3.69.2).
          if (run->pending.since > 0 && m.internal_date > 0 &&
              m.internal_date < run->pending.since &&
              std::find(whole.begin(), whole.end(), m.uid) == whole.end())
            continue;
          if (leave_out_sms(run, m)) continue;
          run->added.push_back(std::move(m));
        }
        after_window_fetch(run);
      });
}

void serve_window(const Run& run) {
  uint32_t room = run->target.window_size;
  EmailPendingWindow& p = run->pending;
  std::vector<uint32_t> lookup;
  run->served_deletes = std::min<size_t>(room, p.deletes.size());
  room -= static_cast<uint32_t>(run->served_deletes);
  run->served_soft_deletes = std::min<size_t>(room, p.soft_deletes.size());
  room -= static_cast<uint32_t>(run->served_soft_deletes);
  run->served_changes = std::min<size_t>(room, p.changes.size());
  room -= static_cast<uint32_t>(run->served_changes);
  run->served_adds = std::min<size_t>(room, p.adds.size());
  room -= static_cast<uint32_t>(run->served_adds);

  std::vector<std::string> ids;
  for (size_t i = 0; i < run->served_deletes; ++i) ids.push_back(std::to_string(p.deletes[i]));
  for (size_t i = 0; i < run->served_changes; ++i) ids.push_back(std::to_string(p.changes[i].uid));
  for (size_t i = 0; i < run->served_soft_deletes; ++i)
    ids.push_back(std::to_string(p.soft_deletes[i]));
  if (!ids.empty()) {
    auto known = run->store().lookup_by_backend_ids(run->key, run->generation, ids);
    if (!known.is_ok()) return fail(run, kSyncServerError, known.status());
    for (size_t i = 0; i < run->served_deletes; ++i)
      if ((*known)[i]) run->deleted_ids.push_back(*(*known)[i]);
    for (size_t i = 0; i < run->served_changes; ++i)
      if (auto& id = (*known)[run->served_deletes + i])
        run->changed.push_back(ServedChange{*id, p.changes[i].uid, p.changes[i].flags});
    size_t at = run->served_deletes + run->served_changes;
    for (size_t i = 0; i < run->served_soft_deletes; ++i)  // not one the device just deleted
      if (auto& id = (*known)[at + i]; id && !run->client_touched.count(p.soft_deletes[i]))
        run->soft_deleted_ids.push_back(*id);
  }
  std::vector<uint32_t> adds(p.adds.begin(),
                             p.adds.begin() + static_cast<std::ptrdiff_t>(run->served_adds));
  if (room == 0 || p.initial_uid_max == 0) return fetch_adds(run, std::move(adds));

  // The initial walk: the next `room` messages below initial_uid_max, newest first.
  MessageListFilter filter;
  filter.since = p.since;
  filter.uid_max = p.initial_uid_max;
  filter.limit = room;
  run->mail().list_messages(
      run->request->credentials, run->folder(), filter,
      [run, adds = std::move(adds), room](Result<MessageListing> page) mutable {
        if (!run->request->client_alive()) return;
        if (!page.is_ok()) return backend_failed(run, page.status());
        uint32_t lowest = run->pending.initial_uid_max;
        for (const MessageListEntry& m : page->messages) {
          adds.push_back(m.uid);
          lowest = std::min(lowest, m.uid);
        }
        bool more = page->total > room && !page->messages.empty() && lowest > 1;
        run->pending.initial_uid_max = more ? lowest - 1 : 0;
        fetch_adds(run, std::move(adds));
      });
}

void commit_and_reply(const Run& run) {
  EmailPendingWindow rest;
  const EmailPendingWindow& p = run->pending;
  rest.initial_uid_max = p.initial_uid_max;
  rest.since = p.since;
  rest.deletes.assign(p.deletes.begin() + static_cast<std::ptrdiff_t>(run->served_deletes),
                      p.deletes.end());
  rest.changes.assign(p.changes.begin() + static_cast<std::ptrdiff_t>(run->served_changes),
                      p.changes.end());
  rest.adds.assign(p.adds.begin() + static_cast<std::ptrdiff_t>(run->served_adds), p.adds.end());
  rest.soft_deletes.assign(
      p.soft_deletes.begin() + static_cast<std::ptrdiff_t>(run->served_soft_deletes),
      p.soft_deletes.end());
  rest.filter_age = p.filter_age;
  rest.sms_wanted = p.sms_wanted;
  rest.skipped_sms = p.skipped_sms;
  for (uint32_t u : p.conversation_adds)
    if (std::find(rest.adds.begin(), rest.adds.end(), u) != rest.adds.end())
      rest.conversation_adds.push_back(u);
  // A draft sent by this request is mapped by this commit, so its Delete can only be
  // served from the next window (MoreAvailable tells the device to come back).
  rest.deletes.insert(rest.deletes.end(), run->sent_drafts.begin(), run->sent_drafts.end());

  bool anything = !run->deleted_ids.empty() || !run->changed.empty() || !run->added.empty() ||
                  !run->soft_deleted_ids.empty() || run->served_soft_deletes ||
                  run->map_changed || run->served_deletes || run->served_changes ||
                  run->served_adds || !run->own_modseq.empty() || run->sms_choice_changed ||
                  encode_pending_window(rest) != encode_pending_window(p);
  uint32_t new_key = run->generation;
  std::vector<std::string> added_ids;
  for (const FetchedMessage& m : run->added)  // what the device now shows (no CONDSTORE)
    if (run->flags) (*run->flags)[m.uid] = normalized_flags(m.flags);
  const std::string cursor_text = encode_cursor(run->cursor) + encode_flag_snapshot(run->flags);
  bool cursor_moved = run->base_cursor != cursor_text;
  if (anything || cursor_moved || run->retry) {
    CollectionCommit commit;
    commit.base_generation = run->generation;
    commit.folder_identity = std::to_string(run->uidvalidity);
    commit.cursor = cursor_text;
    commit.pending_window = encode_pending_window(rest);
    commit.items.remove_server_ids = run->removed;
    commit.items.remove_server_ids.insert(commit.items.remove_server_ids.end(),
                                          run->deleted_ids.begin(), run->deleted_ids.end());
    commit.items.remove_server_ids.insert(commit.items.remove_server_ids.end(),
                                          run->soft_deleted_ids.begin(),
                                          run->soft_deleted_ids.end());
    commit.items.rebind = run->rebinds;
    for (const FetchedMessage& m : run->added)
      commit.items.add_backend_ids.push_back(std::to_string(m.uid));
    for (const auto& [client_id, uid] : run->client_adds)
      commit.items.add_backend_ids.push_back(std::to_string(uid));
    // The client's Adds come after the server's: their ClientIds are recorded (retries).
    if (!run->client_adds.empty()) {
      commit.add_client_ids.assign(run->added.size(), std::string());
      for (const auto& [client_id, uid] : run->client_adds) commit.add_client_ids.push_back(client_id);
    }
    commit.now = run->request->services.clock->wall_now();
    auto result = run->store().commit_collection_generation(run->key, commit);
    if (!result.is_ok()) {
      if (result.status().kind() == ErrorKind::kNotFound ||
          result.status().kind() == ErrorKind::kConflict)
        return fail(run, kSyncInvalidKey, result.status());
      return fail(run, kSyncServerError, result.status());
    }
    new_key = result->generation;
    added_ids = std::move(result->added_server_ids);
  }

  const EmailItemOptions& o = run->target.options;
  WbxmlElement c(as::kCollection);
  if (run->request->eas->version < ProtocolVersion::v14_0()) c.add_text(as::kClass, "Email");
  c.add_text(as::kSyncKey, std::to_string(new_key));
  c.add_text(as::kCollectionId, run->req.collection_id);
  c.add_text(as::kStatus, std::to_string(kSyncSuccess));
  if (!rest.empty()) c.add_child(as::kMoreAvailable);
  if (!run->deleted_ids.empty() || !run->changed.empty() || !run->added.empty() ||
      !run->soft_deleted_ids.empty()) {
    WbxmlElement& cmds = c.add_child(as::kCommands);
    for (const auto& id : run->deleted_ids) cmds.add_child(as::kDelete).add_text(as::kServerId, id);
    for (const auto& id : run->soft_deleted_ids)
      cmds.add_child(as::kSoftDelete).add_text(as::kServerId, id);
    for (const auto& ch : run->changed) {
      WbxmlElement& e = cmds.add_child(as::kChange);
      e.add_text(as::kServerId, ch.server_id);
      WbxmlElement& data = e.add_child(as::kApplicationData);
      append_email_flag_state(ch.flags, o.version, data);
      show_meta(run, ch.uid, ch.flags, data);
    }
    for (size_t i = 0; i < run->added.size() && i < added_ids.size(); ++i) {
      FetchedMessage& m = run->added[i];
      WbxmlElement& e = cmds.add_child(as::kAdd);
      e.add_text(as::kServerId, added_ids[i]);
      MessageSummary s;
      s.uid = m.uid;
      s.flags = m.flags;
      s.internal_date = m.internal_date;
      s.size = m.size;
      WbxmlElement& data = e.add_child(as::kApplicationData);
      append_email_item(s, m.bytes, add_options(run, m.uid), added_ids[i], data);
      show_meta(run, m.uid, m.flags, data);
      mark_sms_class(o.version, e);
      std::string().swap(m.bytes);  // the bytes are in the tree now
    }
  }
  // MS-ASCMD 2.2.3.7.2: the device learns the ServerId of its Add in Responses.
  for (size_t k = 0; k < run->client_adds.size(); ++k) {
    size_t at = run->added.size() + k;
    if (at >= added_ids.size()) break;
    WbxmlElement& e = run->responses.add_child(as::kAdd);
    e.add_text(as::kClientId, run->client_adds[k].first);
    e.add_text(as::kServerId, added_ids[at]);
    add_attachment_references(run, run->client_adds[k].first, added_ids[at], e);
    e.add_text(as::kStatus, std::to_string(kSyncSuccess));
  }
  if (!run->responses.children().empty()) c.mutable_children().push_back(std::move(run->responses));
  run->done(std::move(c));
}

void start(const Run& run) {
  const SyncCollectionRequest& req = run->req;
  if (!req.sync_key) return fail(run, kSyncInvalidKey, Status::malformed("SyncKey not a number"));
  if (*req.sync_key == 0) return initial_sync(run);
  run->generation = *req.sync_key;
  auto held = run->store().load_collection_state(run->key, run->generation);
  if (!held.is_ok()) {
    if (held.status().kind() == ErrorKind::kNotFound)
      return fail(run, kSyncInvalidKey, held.status());
    return fail(run, kSyncServerError, held.status());
  }
  auto current = run->store().load_current_collection_state(run->key);
  run->retry = current.is_ok() && current->generation != run->generation;
  auto cursor = decode_cursor(held->cursor);
  auto pending = decode_pending_window(held->pending_window);
  auto identity = parse_u32(held->folder_identity);
  if (!cursor || !pending || !identity)
    return invalid_key_reset(run, Status::malformed("unreadable collection state"));
  run->cursor = *cursor;
  run->base_cursor = held->cursor;
  if (cursor->highestmodseq == 0) run->flags = decode_flag_snapshot(held->cursor);
  run->pending = std::move(*pending);
  run->uidvalidity = *identity;
  reconcile_sms_options(run);
  reconcile_filter_type(run, [run] { resolve_client_ids(run); });
}

// The ServerIds the client's commands name, then its commands.
void resolve_client_ids(const Run& run) {
  const SyncCollectionRequest& req = run->req;
  std::vector<std::string> ids;
  for (const auto& c : req.changes) ids.push_back(c.server_id);
  ids.insert(ids.end(), req.deletes.begin(), req.deletes.end());
  ids.insert(ids.end(), req.fetches.begin(), req.fetches.end());
  if (!ids.empty()) {
    auto found = run->store().lookup_by_server_ids(run->key, run->generation, ids);
    if (!found.is_ok()) return fail(run, kSyncServerError, found.status());
    for (size_t i = 0; i < ids.size(); ++i)
      if ((*found)[i])
        if (auto u = parse_u32(*(*found)[i])) run->uid_of[ids[i]] = *u;
  }
  apply_draft_changes(run);
}

}  // namespace email_sync

WbxmlElement sync_collection_status(const SyncCollectionRequest& collection, int status) {
  namespace as = tag::air_sync;
  WbxmlElement c(as::kCollection);
  c.add_text(as::kSyncKey, collection.sync_key_text);
  c.add_text(as::kCollectionId, collection.collection_id);
  c.add_text(as::kStatus, std::to_string(status));
  return c;
}

void sync_email_collection(std::shared_ptr<RequestContext> request,
                           SyncCollectionRequest collection, EmailCollectionTarget target,
                           std::function<void(WbxmlElement)> done) {
  using namespace email_sync;
  auto run = std::make_shared<EmailCollectionRun>();
  run->key =
      CollectionKey{request->credentials.user, request->eas->device_id, collection.collection_id};
  run->request = std::move(request);
  run->req = std::move(collection);
  run->target = std::move(target);
  run->target.window_size = std::clamp<uint32_t>(run->target.window_size, 1, 512);
  run->done = std::move(done);
  start(run);
}

}  // namespace easgate
