// Client Adds in an Email collection (MS-ASCMD 2.2.3.7.2): 16.0 drafts in Drafts, stored
// with APPEND and mapped in the generation being committed; email2:Send submits them.

#include <chrono>

#include "backends/api/mail_submitter.h"
#include "backends/mime/compose.h"
#include "gateway/commands/client_email_item.h"
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
  if (!*record) return std::nullopt;
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
  // MS-ASCMD 2.2.3.7.2: only Drafts (16.0+) and SMS items may be added to an Email
  // collection. SMS (Class SMS) is not served yet: Status 6.
  if (!run->target.drafts || run->request->eas->version < ProtocolVersion::v16_0() ||
      !a.application_data || (!a.class_name.empty() && a.class_name != "Email")) {
    refuse_add(run, a, kSyncConversionError);
    return apply_add(run, i + 1);
  }
  auto item = parse_client_email_item(*a.application_data, a.class_name);
  if (!item.is_ok() || !item->attachment_deletes.empty()) {
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
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    run->request->services.clock->wall_now().time_since_epoch())
                    .count();
  MessageFlags flags;
  flags.draft = true;
  flags.seen = true;
  std::string message = compose_client_email(*item, run->request->credentials.user, now);
  bool send = item->send;
  if (send) {
    auto to = mime::envelope_recipients(message);
    if (!to.is_ok() || to->empty()) {  // nothing to send it to: refused, nothing stored
      refuse_add(run, a, kSyncConversionError);
      return apply_add(run, i + 1);
    }
  }
  // The draft is stored first, so a failed submission never loses it.
  run->mail().append_message(
      run->request->credentials, run->target.mailbox, flags, 0, message,
      [run, i, send, message](Result<AppendResult> r) {
        const ClientAdd& a = run->req.adds[i];
        if (!r.is_ok() || r->uid == 0 ||
            (r->uidvalidity != 0 && r->uidvalidity != run->uidvalidity)) {
          log_warn(kLog)
              .msg("draft not stored")
              .kv("error", r.is_ok() ? std::string("no APPENDUID") : r.status().to_string());
          refuse_add(run, a, kSyncServerError);
          return apply_add(run, i + 1);
        }
        // Mapped in the generation being committed; never echoed back as a server Add.
        run->client_adds.emplace_back(a.client_id, r->uid);
        run->client_touched.insert(r->uid);
        run->map_changed = true;
        if (!send) return apply_add(run, i + 1);
        send_draft(run, r->uid, message, [run, i] { apply_add(run, i + 1); });
      });
}

}  // namespace

void apply_fetches_and_adds(const Run& run) { apply_add(run, 0); }

}  // namespace easgate::email_sync
