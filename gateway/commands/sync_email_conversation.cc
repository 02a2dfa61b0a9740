// Conversations in the Email Sync engine (MS-ASCON): ConversationMode widens the FilterType
// window to whole conversations, and "always move" rules (ItemOperations Move with
// MoveAlways) send new messages of a conversation to the folder the user chose. Both run
// on the window's newly fetched messages only, so a Sync with nothing new costs nothing
// more.

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "gateway/commands/conversation.h"
#include "gateway/commands/sync_email_run.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"

namespace easgate {
namespace email_sync {
namespace {

// Messages whose threads one UID SEARCH looks for: three HEADER keys each, so a search
// stays a few kilobytes however large the window.
constexpr size_t kThreadsPerSearch = 64;

bool is_conversation_add(const Run& run, uint32_t uid) {
  const auto& c = run->pending.conversation_adds;
  return std::find(c.begin(), c.end(), uid) != c.end();
}

// ---- MoveAlways ----------------------------------------------------------------------------

void move_next(const Run& run, std::shared_ptr<std::map<std::string, std::vector<uint32_t>>> todo,
               std::function<void()> next) {
  if (todo->empty()) return next();
  auto it = todo->begin();
  std::string destination = it->first;
  std::vector<uint32_t> uids = std::move(it->second);
  todo->erase(it);
  run->mail().move_messages(
      run->request->credentials, run->folder(), uids, destination,
      [run, todo, next, uids, destination](Result<MessageMoveResult> moved) {
        if (!run->request->client_alive()) return;
        if (!moved.is_ok()) {
          // Shown here instead: a message is never lost for a rule.
          run->request->services.metrics->record_degraded("conversation_move_always_failed");
          log_warn(kLog)
              .msg("MoveAlways rule not applied")
              .kv("destination", destination)
              .kv("error", moved.status().to_string());
          return move_next(run, todo, next);
        }
        auto& added = run->added;
        added.erase(std::remove_if(added.begin(), added.end(),
                                   [&](const FetchedMessage& m) {
                                     return std::count(uids.begin(), uids.end(), m.uid) > 0;
                                   }),
                    added.end());
        log_info(kLog)
            .msg("MoveAlways rule applied")
            .kv("messages", uids.size())
            .kv("destination", destination);
        move_next(run, todo, next);
      });
}

// MS-ASCON 2.2.2.8: a conversation set to always move has its new messages moved from
// every folder except Sent Items. The gateway applies the rule when a synced folder first
// serves the message (the device never sees it there); its next Sync of the destination
// brings it.
void apply_move_rules(const Run& run, std::function<void()> next) {
  if (run->added.empty() || run->target.mailbox == run->target.sent_mailbox) return next();
  auto rules = run->store().list_conversation_rules(run->request->credentials.user);
  if (!rules.is_ok()) {
    log_warn(kLog).msg("conversation rules unreadable").kv("error", rules.status().to_string());
    return next();
  }
  if (rules->empty()) return next();
  auto now = run->request->services.clock->wall_now();
  std::map<std::string, const ConversationRule*> by_id;
  for (const ConversationRule& r : *rules)
    if (now - r.created <= kConversationRuleIdleLimit) by_id[r.conversation_id] = &r;
  auto todo = std::make_shared<std::map<std::string, std::vector<uint32_t>>>();
  std::set<const ConversationRule*> used;
  for (const FetchedMessage& m : run->added) {
    auto keys = conversation_keys_of(m.bytes);
    if (!keys) continue;
    auto it = by_id.find(keys->conversation_id);
    if (it == by_id.end() || it->second->destination == run->target.mailbox) continue;
    (*todo)[it->second->destination].push_back(m.uid);
    used.insert(it->second);
  }
  for (const ConversationRule* r : used) {  // applied now: the idle time starts again
    ConversationRule again = *r;
    again.created = now;
    Status kept = run->store().put_conversation_rule(run->request->credentials.user, again);
    if (!kept.is_ok())  // the rule still applies; it may lapse 30 days after its last write
      log_warn(kLog).msg("conversation rule not refreshed").kv("error", kept.to_string());
  }
  move_next(run, todo, std::move(next));
}

// ---- ConversationMode ----------------------------------------------------------------------

struct ThreadSearch {
  std::vector<std::vector<std::pair<std::string, std::string>>> chunks;  // HEADER keys
  std::set<std::string> wanted;  // ConversationIds of the window's messages
  std::set<uint32_t> found;      // UIDs the searches returned
};

void add_members(const Run& run, std::shared_ptr<ThreadSearch> s, std::function<void()> next) {
  // Not the window's own messages, not what is already pending, not what the device has.
  std::vector<uint32_t> candidates;
  std::vector<std::string> ids;
  for (uint32_t u : s->found) {
    bool in_window = std::any_of(run->added.begin(), run->added.end(),
                                 [u](const FetchedMessage& m) { return m.uid == u; });
    const auto& adds = run->pending.adds;
    if (in_window || std::find(adds.begin(), adds.end(), u) != adds.end()) continue;
    candidates.push_back(u);
    ids.push_back(std::to_string(u));
  }
  if (candidates.empty()) return next();
  auto known = run->store().lookup_by_backend_ids(run->key, run->generation, ids);
  if (!known.is_ok()) return fail(run, kSyncServerError, known.status());
  std::vector<uint32_t> unknown;
  for (size_t i = 0; i < candidates.size(); ++i)
    if (!(*known)[i]) unknown.push_back(candidates[i]);
  if (unknown.empty()) return next();
  run->mail().fetch_summaries(run->request->credentials, run->folder(), unknown, true,
                              [run, s, next](Result<std::vector<MessageSummary>> got) {
                                if (!run->request->client_alive()) return;
                                if (!got.is_ok()) return backend_failed(run, got.status());
                                size_t before = run->pending.conversation_adds.size();
                                for (const MessageSummary& m : *got) {
                                  // Inside the window it comes (or came) as an ordinary Add.
                                  if (m.internal_date >= run->pending.since) continue;
                                  auto keys = conversation_keys_of(m.header);
                                  if (!keys || !s->wanted.count(keys->conversation_id))
                                    continue;  // a HEADER near-miss
                                  run->pending.adds.push_back(m.uid);
                                  run->pending.conversation_adds.push_back(m.uid);
                                }
                                size_t added = run->pending.conversation_adds.size() - before;
                                if (added > 0)
                                  log_info(kLog)
                                      .msg("ConversationMode widened the window")
                                      .kv("collection", run->req.collection_id)
                                      .kv("messages", added);
                                next();
                              });
}

void search_next(const Run& run, std::shared_ptr<ThreadSearch> s, std::function<void()> next) {
  if (s->chunks.empty()) return add_members(run, s, std::move(next));
  MailSearchQuery q;
  q.mailboxes = {run->target.mailbox};
  // BEFORE has day granularity (RFC 3501 6.4.4): include the cutoff's day, then compare
  // INTERNALDATE exactly in add_members.
  q.before = run->pending.since + 86400;
  q.any_header = std::move(s->chunks.back());
  s->chunks.pop_back();
  run->mail().search(run->request->credentials, q,
                     [run, s, next](Result<std::vector<MailSearchHit>> hits) {
                       if (!run->request->client_alive()) return;
                       if (!hits.is_ok()) return backend_failed(run, hits.status());
                       for (const MailSearchHit& h : *hits)
                         if (h.uidvalidity == 0 || h.uidvalidity == run->uidvalidity)
                           s->found.insert(h.uid);
                       search_next(run, s, next);
                     });
}

// MS-ASCMD 2.2.3.36.2 / MS-ASCON 3.1.4.9: with ConversationMode 1 the whole conversation of
// any message inside the FilterType window is synced. The window's older conversation
// members are queued as Adds exempt from the filter (served by the next windows, so
// WindowSize holds). A message that answers nothing starts its thread: its replies are
// newer, hence in the window already, so only replies are searched for.
void expand_conversations(const Run& run, std::function<void()> next) {
  if (!run->req.conversation_mode.value_or(false) || run->pending.since == 0 ||
      run->request->eas->version < ProtocolVersion::v14_0())
    return next();
  auto s = std::make_shared<ThreadSearch>();
  std::vector<std::pair<std::string, std::string>> chunk;
  size_t threads = 0;
  for (const FetchedMessage& m : run->added) {
    if (is_conversation_add(run, m.uid)) continue;
    auto keys = conversation_keys_of(m.bytes);
    if (!keys || !keys->has_parent || !s->wanted.insert(keys->conversation_id).second) continue;
    auto criteria = thread_search_criteria(*keys);
    if (criteria.empty()) continue;
    chunk.insert(chunk.end(), criteria.begin(), criteria.end());
    if (++threads % kThreadsPerSearch == 0) {
      s->chunks.push_back(std::move(chunk));
      chunk.clear();
    }
  }
  if (!chunk.empty()) s->chunks.push_back(std::move(chunk));
  if (s->chunks.empty()) return next();
  search_next(run, s, std::move(next));
}

}  // namespace

const EmailItemOptions& add_options(const Run& run, uint32_t uid) {
  if (run->pending.conversation_adds.empty() || !is_conversation_add(run, uid))
    return run->target.options;
  if (!run->outside_window_options) {
    // MS-ASCMD 2.2.3.36.2: outside the date filter the bodies are not retrieved, the
    // previews are (when asked for). Truncated to nothing, the device fetches the rest
    // with ItemOperations when the user opens the message (MS-ASAIRS 2.2.2.4).
    EmailItemOptions o = run->target.options;
    if (o.body_preferences.empty()) o.body_preferences.push_back(mime::BodyRequest{});
    for (mime::BodyRequest& b : o.body_preferences) {
      b.truncation_size = 0;
      b.all_or_none = false;
    }
    if (o.body_part_preference) o.body_part_preference->truncation_size = 0;
    o.mime_truncation = 0;
    o.truncation_2_5 = 0;
    run->outside_window_options = std::move(o);
  }
  return *run->outside_window_options;
}

void after_window_fetch(const Run& run) {
  apply_move_rules(run, [run] { expand_conversations(run, [run] { commit_and_reply(run); }); });
}

}  // namespace email_sync
}  // namespace easgate
