// Per-message metadata of the Email Sync engine (MS-ASEMAIL 2.2.2.34 Flag details,
// 2.2.2.46/47 LastVerbExecuted/Time), kept in StateStore::put_message_meta.

#include "backends/mime/email_fields.h"
#include "gateway/commands/sync_email_run.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"

namespace easgate {
namespace email_sync {

// ---- message metadata: follow-up flag details, last verb --------------------------------
//
// Kept per message (user, mailbox, UIDVALIDITY, UID), not per device or collection, so a
// device resync and the user's other devices see the same flag; IMAP \Flagged stays the
// truth for "is it flagged" (another IMAP client removing it clears an active flag), and
// \Answered / $Forwarded for "was it replied to" (MS-ASEMAIL 2.2.2.34, 2.2.2.46).

const std::map<uint32_t, MessageMeta>& meta_of(const Run& run) {
  if (!run->meta) {
    run->meta.emplace();
    auto rows = run->store().list_message_meta(run->meta_key());
    if (!rows.is_ok()) {
      log_warn(kLog).msg("message metadata unreadable").kv("error", rows.status().to_string());
      run->request->services.metrics->record_degraded("sync_message_meta_unreadable");
    } else {
      for (auto& [uid, text] : *rows)
        if (auto m = decode_message_meta(text)) (*run->meta)[uid] = std::move(*m);
    }
  }
  return *run->meta;
}

namespace {

void put_meta(const Run& run, uint32_t uid, const MessageMeta& meta) {
  Status st = run->store().put_message_meta(run->meta_key(), uid, encode_message_meta(meta),
                                            run->request->services.clock->wall_now());
  if (!st.is_ok()) log_warn(kLog).msg("message metadata not saved").kv("error", st.to_string());
  if (run->meta) {
    if (meta.empty())
      run->meta->erase(uid);
    else
      (*run->meta)[uid] = meta;
  }
}

}  // namespace

// Replaces the plain email:Flag and email2:LastVerbExecuted that append_email_item /
// append_email_flag_state wrote in `data` with the kept details, when IMAP still agrees.
void show_meta(const Run& run, uint32_t uid, const MessageFlags& flags, WbxmlElement& data) {
  const auto& all = meta_of(run);
  auto it = all.find(uid);
  if (it == all.end()) return;
  MessageMeta meta = it->second;
  // Active without \Flagged: cleared by another client. Complete with \Flagged: flagged
  // again elsewhere (the old completion no longer applies). Either way IMAP wins.
  if (meta.flag && (meta.flag->status == 2) != flags.flagged) {
    meta.flag.reset();
    put_meta(run, uid, meta);
  }
  bool verb_holds = (meta.last_verb == 3 && flags.forwarded) ||
                    (meta.last_verb != 3 && meta.last_verb != 0 && flags.answered);
  auto& kids = data.mutable_children();
  for (size_t i = 0; i < kids.size(); ++i) {
    WbxmlElement& e = kids[i];
    if (e.is(tag::email::kFlag) && meta.flag) {
      e = WbxmlElement(tag::email::kFlag);
      e.add_text(tag::email::kStatus, std::to_string(meta.flag->status));
      for (const FlagMeta::Field& f : meta.flag->fields) e.add_text(Tag{f.page, f.token}, f.text);
    } else if (e.is(tag::email2::kLastVerbExecuted) && verb_holds) {
      e.set_text(std::to_string(meta.last_verb));
      if (meta.last_verb_time > 0) {
        WbxmlElement when(tag::email2::kLastVerbExecutionTime);
        when.set_text(mime::format_eas_date(meta.last_verb_time));
        kids.insert(kids.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::move(when));
        return;  // Flag comes before LastVerbExecuted
      }
    }
  }
}

// Records the Flag the device set with its Change (only where the server did not win).
void save_flag_meta(const Run& run) {
  for (const EmailClientChange& c : run->req.changes) {
    if (!c.flag) continue;
    auto it = run->uid_of.find(c.server_id);
    if (it == run->uid_of.end() || !run->client_touched.count(it->second)) continue;
    auto known = meta_of(run).find(it->second);
    MessageMeta meta = known != meta_of(run).end() ? known->second : MessageMeta{};
    if (*c.flag == FlagStatus::kCleared)
      meta.flag.reset();
    else
      meta.flag = FlagMeta{static_cast<int>(*c.flag), c.flag_fields};
    put_meta(run, it->second, meta);
  }
}

}  // namespace email_sync

void record_last_verb(RequestContext& request, const MailboxRef& mailbox, uint32_t uid, int verb) {
  if (mailbox.uidvalidity == 0 || verb < 1 || verb > 3) return;
  MessageMetaKey key{request.credentials.user, mailbox.name, mailbox.uidvalidity};
  StateStore& store = *request.services.store;
  MessageMeta meta;
  if (auto rows = store.list_message_meta(key); rows.is_ok()) {
    for (const auto& [u, text] : *rows)
      if (u == uid)
        if (auto m = decode_message_meta(text)) meta = std::move(*m);
  }
  auto now = request.services.clock->wall_now();
  meta.last_verb = verb;
  meta.last_verb_time =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  Status st = store.put_message_meta(key, uid, encode_message_meta(meta), now);
  if (!st.is_ok())
    log_warn(email_sync::kLog).msg("last verb not saved").kv("error", st.to_string());
}

}  // namespace easgate
