#include "gateway/commands/search.h"

#include "gateway/commands/email_item.h"
#include "gateway/commands/search_gal.h"
#include "gateway/commands/search_mailbox.h"
#include "gateway/commands/search_query.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace se = tag::search;

// Search's own Status (MS-ASCMD 2.2.3.177.16, parent Search): 1 once the request parsed.
constexpr int kSearchCommandSuccess = 1;

WbxmlDocument store_reply(int store_status) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(se::kSearch);
  doc.root.add_text(se::kStatus, std::to_string(kSearchCommandSuccess));
  WbxmlElement& store = doc.root.add_child(se::kResponse).add_child(se::kStore);
  store.add_text(se::kStatus, std::to_string(store_status));
  return doc;
}

void reply_store_status(const std::shared_ptr<RequestContext>& request, int status,
                        std::string_view why) {
  if (status != kSearchSuccess) {
    log_info("search")
        .msg("search refused")
        .kv("user", request->credentials.user)
        .kv("status", status)
        .kv("why", why);
  }
  WbxmlDocument doc = store_reply(status);
  if (status == kSearchSuccess) {
    // MS-ASCMD 2.2.3.155.2: no match is one empty Result and Total 0.
    WbxmlElement& store = doc.root.mutable_children()[1].mutable_children()[0];
    store.add_child(se::kResult);
    store.add_text(se::kTotal, "0");
  }
  request->reply_wbxml(doc, status);
}

void reply_page(const std::shared_ptr<RequestContext>& request, const EmailItemOptions& options,
                const MailboxSearchPage& page) {
  if (!page.status.is_ok()) {
    log_warn("search")
        .msg("mailbox search failed")
        .kv("user", request->credentials.user)
        .kv("error", page.status.to_string());
    reply_store_status(request, kSearchServerError, "backend");
    return;
  }
  if (page.items.empty() && page.total == 0) {
    reply_store_status(request, kSearchSuccess, "");
    return;
  }
  WbxmlDocument doc = store_reply(kSearchSuccess);
  WbxmlElement& store = doc.root.mutable_children()[1].mutable_children()[0];
  if (page.items.empty()) store.add_child(se::kResult);  // Range past the end
  for (const auto& row : page.items) {
    WbxmlElement& result = store.add_child(se::kResult);
    result.add_text(as::kClass, "Email");
    result.add_text(se::kLongId, row.long_id);
    result.add_text(as::kCollectionId, row.collection_id);
    MessageSummary summary;
    summary.uid = row.message.uid;
    summary.flags = row.message.flags;
    summary.internal_date = row.message.internal_date;
    summary.size = row.message.size;
    // FileReferences of a result are built on its LongId; ItemOperations resolves both.
    append_email_item(summary, row.message.bytes, options, row.long_id,
                      result.add_child(se::kProperties));
  }
  if (!page.items.empty())
    store.add_text(se::kRange, format_index_range(page.rows.first, page.rows.last));
  store.add_text(se::kTotal, std::to_string(page.total));
  request->reply_wbxml(doc, kSearchSuccess);
}

}  // namespace

void SearchHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body || !request->body->root.is(se::kSearch)) {
    request->reply_error(Status::malformed("Search expected"));
    return;
  }
  const WbxmlElement* store = request->body->root.child(se::kStore);
  if (!store) {
    request->reply_error(Status::malformed("Search without Store"));
    return;
  }
  std::string_view name = store->child_text(se::kName);
  if (name == "GAL") return search_gal(request, *store);  // the directory (search_gal.h)
  if (name != "Mailbox" && name != "mailbox") {
    // DocumentLibrary searches are not served by this handler.
    reply_store_status(request, kSearchInvalidRequest, "store not served");
    return;
  }
  ParsedMailboxSearch parsed = parse_search_store(*store);
  if (parsed.status != kSearchSuccess) {
    reply_store_status(request, parsed.status, parsed.why);
    return;
  }
  DeviceKey device{request->credentials.user, request->eas->device_id};
  MailboxSearchPlan plan = plan_mailbox_search(*request->services.store, device, parsed.request);
  switch (plan.outcome) {
    case MailboxSearchPlan::Outcome::kNoHierarchy:
    case MailboxSearchPlan::Outcome::kUnknownFolder:
      reply_store_status(request, kSearchFolderSyncRequired, "unknown folder");
      return;
    case MailboxSearchPlan::Outcome::kEmpty:
      reply_store_status(request, kSearchSuccess, "");
      return;
    case MailboxSearchPlan::Outcome::kReady:
      break;
  }
  EmailItemOptions options = parse_email_options(parsed.request.options, request->eas->version);
  options.user_addresses.push_back(request->credentials.user);
  apply_policy(effective_policy(request->services.config->governance, request->credentials.user),
               &options);
  run_mailbox_search(
      request, std::move(plan), parsed.request,
      [request, options](MailboxSearchPage page) { reply_page(request, options, page); });
}

}  // namespace easgate
