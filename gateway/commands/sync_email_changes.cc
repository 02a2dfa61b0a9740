// The Email Sync engine's client Changes and Deletes: Read, Flag and Categories become IMAP
// flag updates (UNCHANGEDSINCE for the Conflict option), Deletes move to Deleted Items or
// expunge. Then the Adds (sync_email_adds.cc). Split out of sync_email.cc unchanged.

#include <algorithm>
#include <map>
#include <set>

#include "gateway/commands/sync_email_run.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"

namespace easgate {
namespace email_sync {
namespace {

// MS-ASCMD 2.2.3.34 Conflict: 1 (server wins, the default) stores with UNCHANGEDSINCE the
// MODSEQ the device's generation covers, so a message someone else changed meanwhile is
// left alone (RFC 7162 3.1.3 MODIFIED); 0 (client wins) stores unconditionally.
uint64_t unchanged_since_for(const Run& run, uint32_t uid) {
  if (run->req.conflict == 0 || run->cursor.highestmodseq == 0) return 0;
  // A later step on a message we already stored to compares against our own MODSEQ.
  auto own = run->own_modseq.find(uid);
  return own != run->own_modseq.end() ? own->second : run->cursor.highestmodseq;
}

// Server wins (MS-ASCMD 2.2.3.34): the device's change is dropped with Status 7 and the
// message is no longer "touched", so its server state is collected and sent as a Change.
void server_won(const Run& run, uint32_t uid) {
  if (!run->client_touched.erase(uid)) return;  // answered once per message
  run->request->services.metrics->record_degraded("sync_conflict_server_wins");
  for (const auto& [id, u] : run->uid_of)
    if (u == uid) add_response(run, as::kChange, id, kSyncConflict);
}

// Applies one flag update to `uids`, then continues with `next`.
void store_flags_step(const Run& run, std::vector<uint32_t> uids, FlagUpdate update,
                      std::function<void()> next) {
  if (uids.empty()) return next();
  uint64_t since = unchanged_since_for(run, uids.front());
  for (uint32_t u : uids)  // one UNCHANGEDSINCE per call: callers group like messages
    if (unchanged_since_for(run, u) != since) since = run->cursor.highestmodseq;
  update.unchanged_since = since;
  run->mail().store_flags(
      run->request->credentials, run->folder(), uids, update,
      [run, uids, next](Result<FlagUpdateResult> r) {
        if (!r.is_ok()) {
          if (r.status().kind() == ErrorKind::kConflict) return invalid_key_reset(run, r.status());
          log_warn(kLog).msg("flag update failed").kv("error", r.status().to_string());
          for (const auto& [id, uid] : run->uid_of)
            if (std::count(uids.begin(), uids.end(), uid))
              add_response(run, as::kChange, id, kSyncServerError);
          return next();
        }
        for (const MessageChange& c : r->updated) {
          run->own_modseq[c.uid] = std::max(run->own_modseq[c.uid], c.modseq);
          // The device has these flags now: not a change to send it (no CONDSTORE).
          if (run->flags) (*run->flags)[c.uid] = normalized_flags(c.flags);
        }
        for (uint32_t uid : r->modified) server_won(run, uid);
        next();
      });
}

// Categories replace the message's category keywords: add the new ones and remove the
// category keywords it has now (read with fetch_summaries) that are not in the list.
void apply_categories(const Run& run,
                      std::vector<std::pair<uint32_t, std::vector<std::string>>> todo,
                      std::function<void()> next) {
  if (todo.empty()) return next();
  std::vector<uint32_t> uids;
  for (const auto& t : todo) uids.push_back(t.first);
  run->mail().fetch_summaries(
      run->request->credentials, run->folder(), uids, false,
      [run, todo = std::move(todo), next](Result<std::vector<MessageSummary>> s) mutable {
        if (!s.is_ok()) return backend_failed(run, s.status());
        auto steps = std::make_shared<std::vector<std::pair<std::vector<uint32_t>, FlagUpdate>>>();
        for (auto& [uid, names] : todo) {
          if (!run->client_touched.count(uid)) continue;  // the server won this message
          FlagUpdate u;
          for (const auto& n : names) u.add.keywords.push_back(category_to_keyword(n));
          for (const MessageSummary& m : *s) {
            if (m.uid != uid) continue;
            for (const auto& k : m.flags.keywords)
              if (keyword_to_category(k) && std::find(u.add.keywords.begin(), u.add.keywords.end(),
                                                      k) == u.add.keywords.end())
                u.remove.keywords.push_back(k);
          }
          if (!u.add.keywords.empty() || !u.remove.keywords.empty())
            steps->push_back({{uid}, std::move(u)});
        }
        auto step = std::make_shared<std::function<void(size_t)>>();
        *step = [run, steps, step, next](size_t i) {
          if (i == steps->size()) {
            next();
            *step = nullptr;  // break the self-reference
            return;
          }
          store_flags_step(run, (*steps)[i].first, (*steps)[i].second,
                           [step, i] { (*step)(i + 1); });
        };
        (*step)(0);
      });
}

void apply_deletes(const Run& run) {
  std::vector<uint32_t> uids;
  std::vector<std::string> ids;
  for (const auto& id : run->req.deletes) {
    auto it = run->uid_of.find(id);
    if (it == run->uid_of.end()) {
      add_response(run, as::kDelete, id, kSyncObjectNotFound);
      continue;
    }
    uids.push_back(it->second);
    ids.push_back(id);
    run->client_touched.insert(it->second);
  }
  if (uids.empty()) return apply_fetches_and_adds(run);
  auto finish = [run, ids](Status st) {
    if (!st.is_ok() && st.kind() != ErrorKind::kNotFound) {
      if (st.kind() == ErrorKind::kConflict) return invalid_key_reset(run, st);
      log_warn(kLog).msg("delete failed").kv("error", st.to_string());
      for (const auto& id : ids) add_response(run, as::kDelete, id, kSyncServerError);
      return apply_fetches_and_adds(run);
    }
    run->removed.insert(run->removed.end(), ids.begin(), ids.end());
    run->map_changed = true;
    apply_fetches_and_adds(run);
  };
  // MS-ASCMD 2.2.3.43 DeletesAsMoves (default 1): deleted items go to Deleted Items.
  bool move = run->req.deletes_as_moves && !run->target.trash_mailbox.empty() &&
              run->target.trash_mailbox != run->target.mailbox;
  if (move) {
    run->mail().move_messages(
        run->request->credentials, run->folder(), uids, run->target.trash_mailbox,
        [finish](Result<MessageMoveResult> r) { finish(r.is_ok() ? Status::ok() : r.status()); });
  } else {
    run->mail().expunge_messages(run->request->credentials, run->folder(), uids, finish);
  }
}

}  // namespace

void apply_changes(const Run& run) {
  // One flag update per message (Read and Flag together), grouped by identical updates:
  // a second STORE to the same message would see our own MODSEQ as a conflict.
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> groups;  // (add, remove) bits
  std::vector<std::pair<uint32_t, std::vector<std::string>>> categories;
  std::set<uint32_t> pending_uids;
  for (const MessageChange& p : run->pending.changes) pending_uids.insert(p.uid);
  for (const EmailClientChange& c : run->req.changes) {
    auto it = run->uid_of.find(c.server_id);
    if (it == run->uid_of.end()) {
      add_response(run, as::kChange, c.server_id, kSyncObjectNotFound);
      continue;
    }
    uint32_t uid = it->second;
    if (pending_uids.count(uid)) {
      // The server changed it after the device's last view and the Change is still queued.
      if (run->req.conflict != 0) {
        run->client_touched.insert(uid);
        server_won(run, uid);
        continue;
      }
      // Client wins: the queued server state would undo the device's change; drop it.
      std::erase_if(run->pending.changes, [uid](const MessageChange& p) { return p.uid == uid; });
      pending_uids.erase(uid);
      run->map_changed = true;
    }
    run->client_touched.insert(uid);
    MessageFlags add, remove;
    if (c.read) (*c.read ? add : remove).seen = true;
    // MS-ASEMAIL 2.2.2.34: active -> \Flagged; complete and cleared -> no \Flagged.
    if (c.flag) (*c.flag == FlagStatus::kActive ? add : remove).flagged = true;
    if (add != MessageFlags{} || remove != MessageFlags{})
      groups[{flag_bits(add), flag_bits(remove)}].push_back(uid);
    if (c.categories) categories.push_back({uid, *c.categories});
  }
  auto steps = std::make_shared<std::vector<std::pair<std::vector<uint32_t>, FlagUpdate>>>();
  for (auto& [bits, uids] : groups) {
    FlagUpdate u;
    u.add = flags_from_bits(bits.first);
    u.remove = flags_from_bits(bits.second);
    steps->push_back({std::move(uids), std::move(u)});
  }
  auto step = std::make_shared<std::function<void(size_t)>>();
  *step = [run, steps, step, categories = std::move(categories)](size_t i) {
    if (i == steps->size()) {
      // Copy out first: resetting *step destroys this closure (it breaks the cycle).
      Run r = run;
      auto todo = categories;
      *step = nullptr;
      save_flag_meta(r);
      apply_categories(r, std::move(todo), [r] { apply_deletes(r); });
      return;
    }
    store_flags_step(run, (*steps)[i].first, (*steps)[i].second, [step, i] { (*step)(i + 1); });
  };
  (*step)(0);
}

}  // namespace email_sync
}  // namespace easgate
