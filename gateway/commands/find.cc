#include "gateway/commands/find.h"

#include "backends/mime/email_body.h"
#include "backends/mime/email_fields.h"
#include "backends/mime/mime_message.h"
#include "gateway/commands/search_mailbox.h"
#include "gateway/commands/search_query.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace em = tag::email;
namespace em2 = tag::email2;
namespace fd = tag::find;
namespace io = tag::item_operations;

// MS-ASCMD 2.2.3.139.1: Preview is at most 255 characters.
constexpr size_t kFindPreviewChars = 255;

// Cuts UTF-8 text after `chars` code points.
std::string cut_utf8(const std::string& text, size_t chars) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (n == chars) return text.substr(0, i);
      ++n;
    }
  }
  return text;
}

// Find Properties for mail (MS-ASCMD 2.2.3.139.1), in the order the spec lists them.
void add_properties(const FetchedMessage& m, WbxmlElement& props) {
  auto parsed = mime::MimeMessage::parse(m.bytes);
  mime::EasEmailFields f;
  std::string preview;
  if (parsed.is_ok()) {
    mime::EmailContext context;
    if (m.internal_date > 0) context.internal_date = m.internal_date;
    f = mime::extract_email_fields(*parsed, context);
    preview = cut_utf8(mime::plain_text_of(*parsed), kFindPreviewChars);
    while (!preview.empty() &&
           (preview.back() == '\n' || preview.back() == '\r' || preview.back() == ' '))
      preview.pop_back();
  }
  props.add_text(em::kSubject, f.subject);
  props.add_text(em::kDateReceived, mime::format_eas_date(m.internal_date));
  props.add_text(em::kDisplayTo, f.display_to);
  props.add_text(fd::kDisplayCc, f.cc);
  props.add_text(em::kImportance, std::to_string(static_cast<int>(f.importance)));
  props.add_text(em::kRead, m.flags.seen ? "1" : "0");
  props.add_text(em2::kIsDraft, m.flags.draft ? "1" : "0");
  props.add_text(fd::kPreview, preview);
  props.add_text(fd::kHasAttachments, f.has_attachments ? "1" : "0");
  props.add_text(em::kFrom, f.from);
}

WbxmlDocument status_only(int status) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(fd::kFind);
  doc.root.add_text(fd::kStatus, std::to_string(status));
  return doc;
}

// Find Status 1 with an inner Response; `page` may be null (nothing can match).
void reply_results(const std::shared_ptr<RequestContext>& request, const MailboxSearchPage* page) {
  WbxmlDocument doc = status_only(kFindSuccess);
  WbxmlElement& response = doc.root.add_child(fd::kResponse);
  response.add_text(io::kStore, "Mailbox");
  response.add_text(fd::kStatus, std::to_string(kFindSuccess));
  if (page) {
    for (const auto& row : page->items) {
      WbxmlElement& result = response.add_child(fd::kResult);
      result.add_text(as::kClass, "Email");
      result.add_text(as::kServerId, row.long_id);
      result.add_text(as::kCollectionId, row.collection_id);
      add_properties(row.message, result.add_child(fd::kProperties));
    }
    if (!page->items.empty())
      response.add_text(fd::kRange, format_index_range(page->rows.first, page->rows.last));
  }
  response.add_text(fd::kTotal, std::to_string(page ? page->total : 0));
  request->reply_wbxml(doc, kFindSuccess);
}

void refuse(const std::shared_ptr<RequestContext>& request, int status, std::string_view why) {
  log_info("find")
      .msg("find refused")
      .kv("user", request->credentials.user)
      .kv("status", status)
      .kv("why", why);
  request->reply_wbxml(status_only(status), status);
}

}  // namespace

void FindHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body || !request->body->root.is(fd::kFind)) {
    request->reply_error(Status::malformed("Find expected"));
    return;
  }
  ParsedMailboxSearch parsed = parse_find_request(request->body->root);
  if (parsed.status != kFindSuccess) {
    refuse(request, parsed.status, parsed.why);
    return;
  }
  DeviceKey device{request->credentials.user, request->eas->device_id};
  MailboxSearchPlan plan = plan_mailbox_search(*request->services.store, device, parsed.request);
  switch (plan.outcome) {
    case MailboxSearchPlan::Outcome::kNoHierarchy:
    case MailboxSearchPlan::Outcome::kUnknownFolder:
      refuse(request, kFindFolderSyncRequired, "unknown folder");
      return;
    case MailboxSearchPlan::Outcome::kEmpty:
      reply_results(request, nullptr);
      return;
    case MailboxSearchPlan::Outcome::kReady:
      break;
  }
  run_mailbox_search(request, std::move(plan), parsed.request, [request](MailboxSearchPage page) {
    if (!page.status.is_ok()) {
      log_warn("find")
          .msg("mailbox search failed")
          .kv("user", request->credentials.user)
          .kv("error", page.status.to_string());
      // Find has no server-error status; an HTTP 500 makes the device retry later.
      request->reply_error(Status::backend_error("mailbox search failed"));
      return;
    }
    reply_results(request, &page);
  });
}

}  // namespace easgate
