// Client Adds and draft Changes in an Email collection (MS-ASCMD 2.2.3.7.2, 2.2.3.24): 16.0
// drafts in Drafts, stored with APPEND and mapped in the generation being committed (a
// changed draft is re-APPENDed and its ServerId rebound); email2:Send submits them.

#include <algorithm>
#include <chrono>

#include "backends/api/mail_submitter.h"
#include "backends/mime/compose.h"
#include "gateway/commands/client_email_item.h"
#include "gateway/commands/email_item.h"
#include "gateway/commands/sync_email_run.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"

namespace easgate::email_sync {
namespace {

void refuse_add(const Run& run, const ClientAdd& a, int status) {
  WbxmlElement& e = run->responses.add_child(as::kAdd);
  e.add_text(as::kClientId, a.client_id);
  e.add_text(as::kStatus, std::to_string(status));
}

int64_t now_seconds(const Run& run) {
  return std::chrono::duration_cast<std::chrono::seconds>(
             run->request->services.clock->wall_now().time_since_epoch())
      .count();
}

// ApplicationData/airsyncbase:Attachments naming each attachment the device added by its
// ClientId and the FileReference it now has (MS-ASAIRS 2.2.2.14), placed before the
// response's Status (MS-ASCMD 2.2.3.7.2 child order: ..., ApplicationData, Status).
void put_attachment_references(const std::vector<std::pair<std::string, std::string>>& refs,
                               const std::string& server_id, WbxmlElement& e) {
  if (refs.empty()) return;
  WbxmlElement data(as::kApplicationData);
  WbxmlElement& list = data.add_child(tag::air_sync_base::kAttachments);
  for (const auto& [client_id, section] : refs) {
    WbxmlElement& a = list.add_child(tag::air_sync_base::kAttachment);
    a.add_text(tag::air_sync_base::kClientId, client_id);
    a.add_text(tag::air_sync_base::kFileReference, make_file_reference(server_id, section));
  }
  auto& kids = e.mutable_children();
  auto at = std::find_if(kids.begin(), kids.end(),
                         [](const WbxmlElement& k) { return k.is(as::kStatus); });
  kids.insert(at, std::move(data));
}

// email2:Send (MS-ASEMAIL 2.2.2.68, 16.0): the stored draft `uid` is submitted with the
// user's credentials, copied to Sent Items and removed from Drafts (the next Sync reports
// the Delete). A failed submission leaves the draft where it is (logged, counted).
void send_draft(const Run& run, uint32_t uid, std::string message, std::function<void()> next) {
  RequestContext& request = *run->request;
  OutgoingMessage out;
  out.envelope_from = request.credentials.user;
  out.envelope_to = mime::envelope_recipients(message).value();
  out.rfc822 = mime::strip_bcc(message);
  request.services.mail_submitter->submit(
      request.credentials, std::move(out), [run, uid, message, next](Status st) {
        if (!st.is_ok()) {
          run->request->services.metrics->record_degraded("sync_draft_send_failed");
          log_warn(kLog).msg("draft not sent; kept in Drafts").kv("error", st.to_string());
          return next();
        }
        auto remove = [run, uid, next] {
          run->mail().expunge_messages(
              run->request->credentials, run->folder(), {uid}, [run, uid, next](Status gone) {
                if (!gone.is_ok())
                  log_warn(kLog).msg("sent draft not removed").kv("error", gone.to_string());
                else
                  run->sent_drafts.push_back(uid);
                next();
              });
        };
        if (run->target.sent_mailbox.empty()) return remove();
        MessageFlags seen;
        seen.seen = true;
        run->mail().append_message(run->request->credentials, run->target.sent_mailbox, seen, 0,
                                   message, [remove](Result<AppendResult> copied) {
                                     if (!copied.is_ok())
                                       log_warn(kLog)
                                           .msg("sent draft not copied to Sent")
                                           .kv("error", copied.status().to_string());
                                     remove();
                                   });
      });
}

// The UID a recorded client Add of `client_id` stored (CollectionCommit::add_client_ids).
std::optional<uint32_t> recorded_client_add(const Run& run, const std::string& client_id) {
  if (client_id.empty()) return std::nullopt;
  auto record = run->store().find_client_add(run->key, client_id);
  if (!record.is_ok()) {
    log_warn(kLog).msg("ClientId record unreadable").kv("error", record.status().to_string());
    return std::nullopt;
  }
  // A retry sends the key the recorded request sent (the record is of the generation that
  // request committed); a ClientId reused under a later key is a new item (MS-ASCMD
  // 2.2.3.28.2: unique only for the duration of the request that adds it).
  if (!*record || (*record)->generation != run->generation + 1) return std::nullopt;
  const std::string& id = (*record)->backend_id;
  uint64_t uid = 0;
  if (id.empty() || id.size() > 10) return std::nullopt;
  for (char c : id) {
    if (c < '0' || c > '9') return std::nullopt;
    uid = uid * 10 + static_cast<uint64_t>(c - '0');
  }
  if (uid == 0 || uid > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(uid);
}

// Client Adds, one after the other (each is one APPEND).
void apply_add(const Run& run, size_t i) {
  if (i == run->req.adds.size()) return apply_fetches(run);
  const ClientAdd& a = run->req.adds[i];
  const ProtocolVersion version = run->request->eas->version;
  const bool sms_class = a.class_name == "SMS" ||
                         (a.application_data && a.application_data->child_text(
                                                    tag::email::kMessageClass) == kSmsMessageClass);
  // MS-ASCMD 2.2.3.7.2: only drafts (Drafts, 16.0+) and SMS items (MS-ASMS, 14.0+: the
  // Inbox, where Exchange keeps them; a phone's sent SMS may go to Sent Items) may be added
  // to an Email collection; anything else is Status 6.
  const bool draft_ok = run->target.drafts && version >= ProtocolVersion::v16_0() && !sms_class &&
                        (a.class_name.empty() || a.class_name == "Email");
  const bool sms_folder = run->target.inbox || (!run->target.sent_mailbox.empty() &&
                                                run->target.mailbox == run->target.sent_mailbox);
  const bool sms_ok = sms_folder && version >= ProtocolVersion::v14_0() && sms_class;
  if (!a.application_data || (!draft_ok && !sms_ok)) {
    refuse_add(run, a, kSyncConversionError);
    return apply_add(run, i + 1);
  }
  auto item = parse_client_email_item(*a.application_data, sms_ok ? "SMS" : a.class_name);
  if (!item.is_ok() || !item->attachment_deletes.empty() || (sms_ok && item->send)) {
    refuse_add(run, a, kSyncConversionError);
    return apply_add(run, i + 1);
  }
  // MS-ASCMD 2.2.3.28.2: the same ClientId again (the response to the request that stored
  // it was lost, possibly across a restart) is answered from the record, never stored twice.
  if (std::optional<uint32_t> stored = recorded_client_add(run, a.client_id)) {
    run->client_adds.emplace_back(a.client_id, *stored);
    run->client_touched.insert(*stored);
    run->map_changed = true;
    return apply_add(run, i + 1);
  }
  int64_t now = now_seconds(run);
  MessageFlags flags;
  // A stored SMS is read or unread as the device says (email:Read); a draft is the user's.
  flags.draft = !sms_ok;
  flags.seen = sms_ok ? item->read : true;
  std::string message = compose_client_email(*item, run->request->credentials.user, now);
  bool send = item->send;
  if (send) {
    auto to = mime::envelope_recipients(message);
    if (!to.is_ok() || to->empty()) {  // nothing to send it to: refused, nothing stored
      refuse_add(run, a, kSyncConversionError);
      return apply_add(run, i + 1);
    }
  }
  // The draft is stored first, so a failed submission never loses it. An SMS keeps its
  // time (email:DateReceived) as INTERNALDATE, which is what DateReceived shows.
  run->mail().append_message(
      run->request->credentials, run->target.mailbox, flags, sms_ok ? item->date_received : 0,
      message,
      [run, i, send, message,
       refs = new_attachment_sections(*item, message)](Result<AppendResult> r) {
        const ClientAdd& a = run->req.adds[i];
        if (!r.is_ok() || r->uid == 0 ||
            (r->uidvalidity != 0 && r->uidvalidity != run->uidvalidity)) {
          log_warn(kLog)
              .msg("client item not stored")
              .kv("error", r.is_ok() ? std::string("no APPENDUID") : r.status().to_string());
          refuse_add(run, a, kSyncServerError);
          return apply_add(run, i + 1);
        }
        // Mapped in the generation being committed; never echoed back as a server Add.
        run->client_adds.emplace_back(a.client_id, r->uid);
        run->client_touched.insert(r->uid);
        run->map_changed = true;
        if (!refs.empty()) run->add_attachments[a.client_id] = refs;
        if (!send) return apply_add(run, i + 1);
        send_draft(run, r->uid, message, [run, i] { apply_add(run, i + 1); });
      });
}

// One 16.0 draft Change (MS-ASCMD 2.2.3.24): the stored draft is read back, the Change laid
// over it, the result APPENDed and only then the old UID expunged, so a failure at any step
// leaves the device's draft in IMAP. The device keeps its ServerId: the commit rebinds it
// to the new UID, and neither the new UID nor the vanished old one is echoed back.
void change_draft(const Run& run, std::shared_ptr<std::vector<EmailClientChange>> list, size_t i,
                  bool second_try = false) {
  if (i == list->size()) return apply_changes(run);
  auto next = [run, list, i] { change_draft(run, list, i + 1); };
  const EmailClientChange& c = (*list)[i];
  auto known = run->uid_of.find(c.server_id);
  if (known == run->uid_of.end()) {
    add_response(run, as::kChange, c.server_id, kSyncObjectNotFound);
    return next();
  }
  const uint32_t old_uid = known->second;
  run->mail().fetch_messages(
      run->request->credentials, run->folder(), {old_uid}, 0,
      [run, list, i, old_uid, next, second_try](Result<std::vector<FetchedMessage>> got) {
        const EmailClientChange& c = (*list)[i];
        if (!got.is_ok()) {
          if (got.status().kind() == ErrorKind::kConflict)
            return invalid_key_reset(run, got.status());
          log_warn(kLog).msg("draft not read for a change").kv("error", got.status().to_string());
          add_response(run, as::kChange, c.server_id, kSyncServerError);
          return next();
        }
        if (got->empty()) {
          // A pooled session selected before the draft was appended (by another session)
          // learns of it only from this command's own EXISTS: ask once more.
          if (!second_try) return change_draft(run, list, i, true);
          add_response(run, as::kChange, c.server_id, kSyncObjectNotFound);
          return next();
        }
        auto item = client_email_item_from_message(got->front().bytes);
        Status applied = item.is_ok() ? apply_client_email_change(*c.application_data, c.server_id,
                                                                  &item.value())
                                      : item.status();
        std::string message;
        if (applied.is_ok())
          message = compose_client_email(*item, run->request->credentials.user, now_seconds(run));
        const bool send = applied.is_ok() && item->send;
        if (applied.is_ok() && send) {
          auto to = mime::envelope_recipients(message);
          if (!to.is_ok() || to->empty()) applied = Status::invalid_argument("no recipient");
        }
        if (!applied.is_ok()) {
          log_info(kLog).msg("draft change refused").kv("reason", applied.message());
          add_response(run, as::kChange, c.server_id, kSyncConversionError);
          return next();
        }
        // The new copy carries the old one's flags with the Change's Read, Flag and
        // Categories applied (they would otherwise be lost with the old UID).
        MessageFlags flags = got->front().flags;
        flags.draft = true;
        if (c.read) flags.seen = *c.read;
        if (c.flag) flags.flagged = *c.flag == FlagStatus::kActive;
        if (c.categories) {
          std::erase_if(flags.keywords,
                        [](const std::string& k) { return keyword_to_category(k).has_value(); });
          for (const std::string& name : *c.categories)
            flags.keywords.push_back(category_to_keyword(name));
        }
        run->mail().append_message(
            run->request->credentials, run->target.mailbox, flags, 0, message,
            [run, list, i, old_uid, send, message, next,
             refs = new_attachment_sections(*item, message)](Result<AppendResult> r) {
              const EmailClientChange& c = (*list)[i];
              if (!r.is_ok() || r->uid == 0 ||
                  (r->uidvalidity != 0 && r->uidvalidity != run->uidvalidity)) {
                log_warn(kLog)
                    .msg("changed draft not stored; the old one stays")
                    .kv("error", r.is_ok() ? std::string("no APPENDUID") : r.status().to_string());
                add_response(run, as::kChange, c.server_id, kSyncServerError);
                return next();
              }
              const uint32_t new_uid = r->uid;
              run->client_touched.insert(old_uid);
              run->client_touched.insert(new_uid);
              run->rebinds.push_back(ItemMapping{c.server_id, std::to_string(new_uid)});
              run->uid_of[c.server_id] = new_uid;
              run->map_changed = true;
              // A successful Change is answered only when it added attachments: the device
              // learns their FileReferences (MS-ASAIRS 2.2.2.14).
              if (!refs.empty()) {
                WbxmlElement& e = run->responses.add_child(as::kChange);
                e.add_text(as::kServerId, c.server_id);
                e.add_text(as::kStatus, std::to_string(kSyncSuccess));
                put_attachment_references(refs, c.server_id, e);
              }
              run->mail().expunge_messages(
                  run->request->credentials, run->folder(), {old_uid},
                  [run, new_uid, send, message, next](Status gone) {
                    if (!gone.is_ok()) {  // a stale copy stays beside the new one: no loss
                      run->request->services.metrics->record_degraded("sync_draft_old_kept");
                      log_warn(kLog).msg("old draft not removed").kv("error", gone.to_string());
                    }
                    if (!send) return next();
                    send_draft(run, new_uid, message, next);
                  });
            });
      });
}

}  // namespace

void add_attachment_references(const Run& run, const std::string& client_id,
                               const std::string& server_id, WbxmlElement& e) {
  auto refs = run->add_attachments.find(client_id);
  if (refs != run->add_attachments.end()) put_attachment_references(refs->second, server_id, e);
}

void apply_draft_changes(const Run& run) {
  auto drafts = std::make_shared<std::vector<EmailClientChange>>();
  auto& changes = run->req.changes;
  for (auto it = changes.begin(); it != changes.end();) {
    if (run->target.drafts && it->application_data && has_draft_content(*it->application_data)) {
      drafts->push_back(std::move(*it));
      it = changes.erase(it);
    } else {
      ++it;
    }
  }
  if (drafts->empty()) return apply_changes(run);
  if (run->request->eas->version < ProtocolVersion::v16_0()) {
    // Before 16.0 a draft's content is not the device's to change (MS-ASCMD 2.2.3.24):
    // refused like a draft Add, nothing stored.
    for (const EmailClientChange& c : *drafts)
      add_response(run, as::kChange, c.server_id, kSyncConversionError);
    return apply_changes(run);
  }
  change_draft(run, std::move(drafts), 0);
}

void apply_fetches_and_adds(const Run& run) { apply_add(run, 0); }

}  // namespace easgate::email_sync
