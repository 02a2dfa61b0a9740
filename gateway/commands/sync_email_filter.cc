// A FilterType changed in a later Sync (MS-ASCMD 2.2.3.68.2): "the server manages objects
// on the client to maintain the time window". The gateway re-evaluates the window against
// what the device holds instead of forcing a resync: a narrowed window sends SoftDelete
// for the device's messages now older than it (MS-ASCMD 2.2.3.172: gone from the device,
// kept in the mailbox), a widened one queues the older messages as Adds. Both go through
// the pending list, so WindowSize and MoreAvailable hold and a retried SyncKey rebuilds
// the same answer. Costs one listing of the new window and one read of the item map, and
// only on the Sync that changes the FilterType.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>

#include "gateway/commands/sync_email_run.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"

namespace easgate {
namespace email_sync {
namespace {

std::optional<uint32_t> uid_of_text(std::string_view text) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty() || v == 0)
    return std::nullopt;
  return v;
}

bool narrower(int64_t new_age, int64_t old_age) {
  return new_age > 0 && (old_age == 0 || new_age < old_age);
}

// Applies the listing of the new window to the pending list; false when it answered the
// collection with an error instead.
bool rewindow(const Run& run, int64_t new_age, const MessageListing& listing) {
  EmailPendingWindow& p = run->pending;
  int64_t old_age = p.filter_age;
  int64_t since = run->target.since;
  auto items = run->store().list_items(run->key, run->generation);
  if (!items.is_ok()) {
    fail(run, kSyncServerError, items.status());
    return false;
  }
  std::set<uint32_t> known;
  for (const ItemMapping& m : *items)
    if (auto u = uid_of_text(m.backend_id)) known.insert(*u);
  std::set<uint32_t> inside;
  std::set<uint32_t> queued(p.adds.begin(), p.adds.end());
  size_t added = 0;
  for (const MessageListEntry& m : listing.messages) {
    // IMAP SINCE is a whole day (RFC 3501 6.4.4): the exact cutoff is the INTERNALDATE.
    if (since > 0 && m.internal_date > 0 && m.internal_date < since) continue;
    inside.insert(m.uid);
    if (known.count(m.uid) || queued.count(m.uid)) continue;
    p.adds.push_back(m.uid);  // newest first, as the listing comes
    ++added;
  }
  size_t softened = 0;
  if (narrower(new_age, old_age)) {
    uint32_t listed_max = run->cursor.uidnext > 0 ? run->cursor.uidnext - 1 : 0;
    std::set<uint32_t> already(p.soft_deletes.begin(), p.soft_deletes.end());
    for (uint32_t u : known) {
      // Beyond the cursor: the gateway's own appends, not listed yet; below the walk:
      // not sent yet. Neither is judged here.
      if ((listed_max > 0 && u > listed_max) || u <= p.initial_uid_max) continue;
      if (inside.count(u) || already.count(u)) continue;
      p.soft_deletes.push_back(u);
      ++softened;
    }
    // A soft-deleted message gets no Change after it; queued conversation members that
    // the narrower window no longer wants are dropped by fetch_adds' date check.
    std::set<uint32_t> gone(p.soft_deletes.begin(), p.soft_deletes.end());
    std::erase_if(p.changes, [&](const MessageChange& c) { return gone.count(c.uid) > 0; });
    std::erase_if(p.conversation_adds, [&](uint32_t u) { return !inside.count(u); });
  }
  p.since = since;
  p.filter_age = new_age;
  log_info(kLog)
      .msg("FilterType changed: window re-evaluated")
      .kv("collection", run->req.collection_id)
      .kv("old_age", old_age)
      .kv("new_age", new_age)
      .kv("soft_deletes", softened)
      .kv("adds", added);
  return true;
}

}  // namespace

int64_t filter_age_of(const Run& run) {
  if (run->target.since == 0) return 0;
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    run->request->services.clock->wall_now().time_since_epoch())
                    .count();
  // sync.cc took its own reading of the clock: round to the minute (ages are whole days).
  return (now - run->target.since + 30) / 60 * 60;
}

void reconcile_filter_type(const Run& run, std::function<void()> next) {
  // Only a FilterType the device states counts: an Options without it is the default
  // (all) for a new collection, but devices often leave the element out of later Syncs.
  const auto& options = run->req.options;
  if (!options || !options->child(as::kFilterType)) return next();
  int64_t new_age = filter_age_of(run);
  EmailPendingWindow& p = run->pending;
  if (p.filter_age == new_age) return next();
  if (p.filter_age < 0) {  // a state from before the age was kept: take this one as it
    p.filter_age = new_age;
    return next();
  }
  MessageListFilter filter;  // the new window over what the cursor covers
  filter.since = run->target.since;
  filter.uid_min = p.initial_uid_max > 0 ? p.initial_uid_max + 1 : 0;
  filter.uid_max = run->cursor.uidnext > 1 ? run->cursor.uidnext - 1 : 0;
  if (p.initial_uid_max > 0 && filter.uid_max > 0 && filter.uid_min > filter.uid_max) {
    // Nothing sent yet: the walk itself lists with the new cutoff.
    p.since = run->target.since;
    p.filter_age = new_age;
    return next();
  }
  run->mail().list_messages(run->request->credentials, run->folder(), filter,
                            [run, new_age, next](Result<MessageListing> page) {
                              if (!run->request->client_alive()) return;
                              if (!page.is_ok()) return backend_failed(run, page.status());
                              if (rewindow(run, new_age, *page)) next();
                            });
}

// ---- SMS only to devices that ask for them ------------------------------------------------
// MS-ASCMD 2.2.3.125.6 / MS-ASMS: a 14.0+ device that wants SMS items sends an Options with
// Class SMS; Exchange sends SMS-class messages (kept in the Inbox, or Sent Items) only to
// such devices, and never before 14.0. Options persist until the device sends new ones, so
// the choice lives in the generation's pending list (sms_wanted) together with the SMS left
// out, which become Adds if the device starts asking.

void reconcile_sms_options(const Run& run) {
  EmailPendingWindow& p = run->pending;
  int want = p.sms_wanted;
  if (run->request->eas->version < ProtocolVersion::v14_0())
    want = 0;
  else if (run->req.sms_options)
    want = *run->req.sms_options ? 1 : 0;
  if (want == p.sms_wanted) return;
  if (want == 1 && p.sms_wanted == 0) {
    for (uint32_t u : p.skipped_sms)
      if (std::find(p.adds.begin(), p.adds.end(), u) == p.adds.end()) p.adds.push_back(u);
    p.skipped_sms.clear();
  }
  // Stopping SMS leaves the ones the device holds in place: only new ones are left out.
  p.sms_wanted = want;
  run->sms_choice_changed = true;
}

int initial_sms_wanted(const Run& run) {
  return run->request->eas->version >= ProtocolVersion::v14_0() &&
                 run->req.sms_options.value_or(false)
             ? 1
             : 0;
}

bool leave_out_sms(const Run& run, const FetchedMessage& m) {
  EmailPendingWindow& p = run->pending;
  if (p.sms_wanted != 0 || !is_sms_message(m.bytes)) return false;
  if (std::find(p.skipped_sms.begin(), p.skipped_sms.end(), m.uid) == p.skipped_sms.end())
    p.skipped_sms.push_back(m.uid);
  return true;
}

}  // namespace email_sync
}  // namespace easgate
