#include "gateway/commands/compose_common.h"

#include <optional>

#include "backends/api/mail_store.h"
#include "backends/api/mail_submitter.h"
#include "backends/mime/compose.h"
#include "gateway/commands/mail_item_ref.h"
#include "gateway/commands/reply_verb.h"
#include "gateway/commands/sync_email.h"
#include "gateway/core/log.h"
#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/folder_hierarchy.h"

namespace easgate {
namespace {

namespace cm = tag::compose_mail;

Tag root_tag(ComposeKind kind) {
  switch (kind) {
    case ComposeKind::kSmartReply: return cm::kSmartReply;
    case ComposeKind::kSmartForward: return cm::kSmartForward;
    case ComposeKind::kSendMail: break;
  }
  return cm::kSendMail;
}

const char* kind_name(ComposeKind kind) {
  switch (kind) {
    case ComposeKind::kSmartReply: return "SmartReply";
    case ComposeKind::kSmartForward: return "SmartForward";
    case ComposeKind::kSendMail: break;
  }
  return "SendMail";
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// True when the header block of `mime` has a From field (RFC 5322 3.6.2).
bool has_from_header(std::string_view mime) {
  size_t pos = 0;
  while (pos < mime.size()) {
    size_t eol = mime.find('\n', pos);
    std::string_view line = mime.substr(pos, eol == std::string_view::npos ? mime.npos : eol - pos);
    if (line.empty() || line == "\r") return false;  // end of the header block
    if (starts_with_ci(line, "from:")) return true;
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return false;
}

Status compose_error(int eas_status, std::string message) {
  return Status::malformed(std::move(message)).with_eas_status(eas_status);
}

// State of one compose command across its backend steps.
struct ComposeRun {
  std::shared_ptr<RequestContext> request;
  ComposeRequest compose;
  DeviceKey device;
  std::string claim_key;               // user/device for the ClientId record
  bool claimed = false;                // the ClientId is held for this run
  std::optional<MailItemRef> source;   // the original of a reply / forward
  std::string message;                 // final message, Bcc still in it
  std::string sent_mailbox;            // where SaveInSentItems appends
  int verb = kLastVerbReplyToSender;   // MS-ASEMAIL 2.2.2.46 verb a SmartReply carried out
};

void fail(const std::shared_ptr<ComposeRun>& run, int eas_status, const std::string& why) {
  if (run->claimed) SentClientIds::instance().release(run->claim_key, run->compose.client_id);
  RequestContext& request = *run->request;
  log_info("compose").msg("not sent").kv("cmd", kind_name(run->compose.kind))
      .kv("user", request.credentials.user).kv("status", eas_status).kv("why", why);
  if (!run->compose.wbxml_form) {
    // MS-ASHTTP: before 14.0 the command has no Status element; any failure is HTTP 500.
    HttpResponse response;
    response.status = 500;
    request.reply(std::move(response), eas_status);
    return;
  }
  WbxmlDocument doc;
  doc.root = WbxmlElement(root_tag(run->compose.kind));
  doc.root.add_text(cm::kStatus, std::to_string(eas_status));
  request.reply_wbxml(doc, eas_status);
}

void succeed(const std::shared_ptr<ComposeRun>& run) {
  // MS-ASCMD 2.2.3.177.14: success is an empty response body.
  HttpResponse response;
  response.status = 200;
  run->request->reply(std::move(response), kComposeSuccess);
}

// The submission failure as a ComposeMail status; the message was not sent.
int submission_status(const Status& s) {
  switch (s.kind()) {
    case ErrorKind::kInvalidArgument: return kComposeRecipientUnresolved;
    case ErrorKind::kBackendUnavailable:
    case ErrorKind::kTimeout: return kComposeServerErrorRetryLater;
    default: return kComposeMailSubmissionFailed;
  }
}

void mark_source(const std::shared_ptr<ComposeRun>& run);

void save_in_sent(const std::shared_ptr<ComposeRun>& run) {
  RequestContext& request = *run->request;
  if (!run->compose.save_in_sent || run->sent_mailbox.empty()) {
    if (run->compose.save_in_sent) {
      request.services.metrics->record_degraded("compose_no_sent_folder");
      if (first_time_for_cause("compose.no_sent_folder")) {
        log_warn("compose").msg("SaveInSentItems asked but the user has no Sent folder")
            .kv("user", request.credentials.user);
      }
    }
    mark_source(run);
    return;
  }
  MessageFlags seen;
  seen.seen = true;
  request.services.mail_store->append_message(
      request.credentials, run->sent_mailbox, seen, 0, mime::to_crlf(run->message),
      [run](Result<AppendResult> appended) {
        if (!appended.is_ok()) {
          // The message went out; saying otherwise would make the device send it again.
          run->request->services.metrics->record_degraded("compose_save_in_sent_failed");
          log_warn("compose").msg("sent, but the copy in Sent Items failed")
              .kv("user", run->request->credentials.user)
              .kv("error", appended.status().to_string());
        }
        mark_source(run);
      });
}

void mark_source(const std::shared_ptr<ComposeRun>& run) {
  if (!run->source) {
    succeed(run);
    return;
  }
  RequestContext& request = *run->request;
  FlagUpdate update;
  // MS-ASEMAIL 2.2.2.41 LastVerbExecuted comes from these marks (RFC 5788 $Forwarded).
  if (run->compose.kind == ComposeKind::kSmartReply) update.add.answered = true;
  else update.add.forwarded = true;
  request.services.mail_store->store_flags(
      request.credentials, run->source->mailbox, {run->source->uid}, update,
      [run](Result<FlagUpdateResult> r) {
        if (!r.is_ok()) {
          run->request->services.metrics->record_degraded("compose_mark_source_failed");
          log_warn("compose").msg("sent, but marking the original failed")
              .kv("user", run->request->credentials.user).kv("error", r.status().to_string());
        } else {  // MS-ASEMAIL 2.2.2.46: Sync shows the verb with its time
          record_last_verb(*run->request, run->source->mailbox, run->source->uid,
                           run->compose.kind == ComposeKind::kSmartReply ? run->verb
                                                                         : kLastVerbForward);
        }
        succeed(run);
      });
}

void submit(const std::shared_ptr<ComposeRun>& run) {
  RequestContext& request = *run->request;
  if (!has_from_header(run->message)) {
    run->message = "From: " + request.credentials.user + "\r\n" + run->message;
  }
  auto recipients = mime::envelope_recipients(run->message);
  if (!recipients.is_ok()) {
    fail(run, kComposeInvalidMime, recipients.status().message());
    return;
  }
  if (recipients->empty()) {
    fail(run, kComposeMessageHasNoRecipient, "no recipients");
    return;
  }
  OutgoingMessage out;
  out.envelope_from = request.credentials.user;
  out.envelope_to = std::move(recipients.value());
  out.rfc822 = mime::strip_bcc(run->message);
  request.services.mail_submitter->submit(request.credentials, std::move(out), [run](Status s) {
    if (!s.is_ok()) {
      fail(run, submission_status(s), s.to_string());
      return;
    }
    // From here on the message is sent: the ClientId stays claimed and every later
    // problem is a warning, never a failure reported to the device.
    if (!run->request->client_alive()) {
      log_warn("compose").msg("sent, but the device went away before the answer")
          .kv("user", run->request->credentials.user);
    }
    save_in_sent(run);
  });
}

void compose_with_source(const std::shared_ptr<ComposeRun>& run) {
  RequestContext& request = *run->request;
  // Validate the client's part first, so a broken MIME is reported as such.
  if (auto r = mime::envelope_recipients(run->compose.mime); !r.is_ok()) {
    fail(run, kComposeInvalidMime, r.status().message());
    return;
  }
  request.services.mail_store->fetch_message(
      request.credentials, run->source->mailbox, run->source->uid, MessagePart{},
      [run](Result<std::string> original) {
        if (!original.is_ok()) {
          ErrorKind k = original.status().kind();
          bool gone = k == ErrorKind::kNotFound || k == ErrorKind::kConflict;
          fail(run, gone ? kComposeItemNotFound : kComposeServerError,
               original.status().to_string());
          return;
        }
        bool reply = run->compose.kind == ComposeKind::kSmartReply;
        auto composed = reply ? mime::compose_reply(*original, run->compose.mime,
                                                    run->compose.replace_mime)
                              : mime::compose_forward(*original, run->compose.mime,
                                                      run->compose.replace_mime);
        if (!composed.is_ok()) {
          fail(run, kComposeMessageReplyFailed, composed.status().to_string());
          return;
        }
        run->message = std::move(composed.value());
        if (reply) run->verb = reply_verb(*original, run->message, run->request->credentials.user);
        submit(run);
      });
}

// The Sent Items folder: the hierarchy's type 5 entry, as the device sees it.
std::string find_sent_mailbox(StateStore& store, const DeviceKey& device) {
  auto current = store.load_current_folder_hierarchy(device);
  if (!current.is_ok()) return {};
  for (const auto& f : current->folders) {
    if (f.type != kFolderTypeSentItems) continue;
    if (auto name = imap_mailbox_of(f)) return *name;
  }
  return {};
}

}  // namespace

Result<ComposeRequest> parse_compose_request(ComposeKind kind, const EasRequest& eas,
                                             const HttpRequest& http) {
  ComposeRequest out;
  out.kind = kind;
  const std::string* content_type = http.headers.find("Content-Type");
  bool mime_body = eas.version < ProtocolVersion::v14_0() ||
                   (content_type && starts_with_ci(*content_type, "message/rfc822"));
  if (mime_body) {
    // MS-ASHTTP 2.2.1.1.1.2.5: the parameters travel in the query, the body is the MIME.
    out.save_in_sent = eas.save_in_sent;
    out.folder_id = eas.collection_id;
    out.item_id = eas.item_id;
    out.long_id = eas.long_id;
    out.instance_id = eas.occurrence;
    out.mime = http.body;
    // Before 14.0 the client sends only its own text; the server always adds the original.
    out.replace_mime = false;
    if (out.mime.empty()) return compose_error(kComposeInvalidContent, "empty MIME body");
    return out;
  }
  out.wbxml_form = true;
  auto doc = decode_wbxml(http.body);
  if (!doc.is_ok()) return compose_error(kComposeInvalidWbxml, doc.status().message());
  const WbxmlElement& root = doc->root;
  if (!root.is(root_tag(kind))) return compose_error(kComposeInvalidXml, "wrong root element");
  out.client_id = std::string(root.child_text(cm::kClientId));
  // MS-ASCMD 2.2.3.155: an empty SaveInSentItems / ReplaceMime element means "yes".
  out.save_in_sent = root.child(cm::kSaveInSentItems) != nullptr;
  out.replace_mime = root.child(cm::kReplaceMime) != nullptr;
  if (const WbxmlElement* source = root.child(cm::kSource)) {
    out.folder_id = std::string(source->child_text(cm::kFolderId));
    out.item_id = std::string(source->child_text(cm::kItemId));
    out.long_id = std::string(source->child_text(cm::kLongId));
    out.instance_id = std::string(source->child_text(cm::kInstanceId));
  }
  if (const WbxmlElement* m = root.child(cm::kMime)) out.mime = std::string(m->content());
  // MS-ASCMD 2.2.3.27.1: ClientId and Mime are required.
  if (out.client_id.empty() || out.mime.empty()) {
    return compose_error(kComposeInvalidXml, "ClientId and Mime are required");
  }
  if (kind != ComposeKind::kSendMail && out.item_id.empty() && out.long_id.empty()) {
    return compose_error(kComposeInvalidXml, "Source ItemId or LongId is required");
  }
  return out;
}

SentClientIds& SentClientIds::instance() {
  static SentClientIds ids;
  return ids;
}

bool SentClientIds::claim(const std::string& device_key, const std::string& client_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string key = device_key + '\n' + client_id;
  if (claimed_.count(key)) return false;
  if (claimed_.size() >= kMaxEntries) {
    // Forget the oldest half: retries of those are long over.
    uint64_t cutoff = sequence_ - kMaxEntries / 2;
    std::erase_if(claimed_, [cutoff](const auto& e) { return e.second < cutoff; });
  }
  claimed_[key] = ++sequence_;
  return true;
}

void SentClientIds::release(const std::string& device_key, const std::string& client_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  claimed_.erase(device_key + '\n' + client_id);
}

void run_compose(std::shared_ptr<RequestContext> request, ComposeKind kind) {
  auto run = std::make_shared<ComposeRun>();
  run->request = request;
  run->compose.kind = kind;
  run->compose.wbxml_form = request->eas->version >= ProtocolVersion::v14_0();
  auto parsed = parse_compose_request(kind, *request->eas, request->http);
  if (!parsed.is_ok()) {
    fail(run, parsed.status().eas_status(), parsed.status().message());
    return;
  }
  run->compose = std::move(parsed.value());
  run->device = DeviceKey{request->credentials.user, request->eas->device_id};
  run->claim_key = run->device.user_id + '/' + run->device.device_id;
  if (!run->compose.client_id.empty()) {
    if (!SentClientIds::instance().claim(run->claim_key, run->compose.client_id)) {
      fail(run, kComposeMessagePreviouslySent, "ClientId already sent");
      return;
    }
    run->claimed = true;
  }
  StateStore& store = *request->services.store;
  if (run->compose.save_in_sent) run->sent_mailbox = find_sent_mailbox(store, run->device);
  if (kind == ComposeKind::kSendMail) {
    run->message = mime::to_crlf(run->compose.mime);
    submit(run);
    return;
  }
  Result<MailItemRef> source = Status::not_found("no source");
  if (!run->compose.long_id.empty()) {
    source = resolve_long_id(store, run->device, run->compose.long_id);
  } else {
    std::string folder = run->compose.folder_id.empty()
                             ? collection_of_item(run->compose.item_id)
                             : run->compose.folder_id;
    source = resolve_mail_item(store, run->device, folder, run->compose.item_id);
  }
  if (!source.is_ok()) {
    ErrorKind k = source.status().kind();
    fail(run, k == ErrorKind::kNotFound ? kComposeItemNotFound : kComposeServerError,
         source.status().to_string());
    return;
  }
  run->source = std::move(source.value());
  compose_with_source(run);
}

}  // namespace easgate
