// ItemOperations Fetch (MS-ASCMD 2.2.3.67.1) of a mail item or of an attachment.
#include <algorithm>

#include "gateway/commands/item_operations_attachment.h"
#include "gateway/commands/item_operations_run.h"
#include "gateway/commands/mail_item_ref.h"
#include "gateway/core/log.h"
#include "gateway/eas/wbxml/wbxml_xml.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"
#include "rules/policy/provisioning_policy.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace asb = tag::air_sync_base;
namespace io = tag::item_operations;
namespace se = tag::search;

bool is_mailbox_store(std::string_view store) {
  // MS-ASCMD 2.2.3.168.2: "Mailbox"; devices differ in case.
  if (store.size() != 7) return false;
  std::string lower(store);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "mailbox";
}

// The Fetch element with its Status and the identifier the request used, echoed.
WbxmlElement fetch_element(const ItemOperation& op, int status) {
  WbxmlElement e(io::kFetch);
  e.add_text(io::kStatus, std::to_string(status));
  switch (op.target) {
    case FetchTarget::kItem:
      e.add_text(as::kCollectionId, op.collection_id);
      e.add_text(as::kServerId, op.server_id);
      break;
    case FetchTarget::kLongId:
      e.add_text(se::kLongId, op.long_id);
      break;
    case FetchTarget::kFileReference:
      e.add_text(asb::kFileReference, op.file_reference);
      break;
    case FetchTarget::kNone:
      break;
  }
  return e;
}

int status_of_backend_error(const Status& s) {
  switch (s.kind()) {
    case ErrorKind::kNotFound:
    case ErrorKind::kConflict:  // UIDVALIDITY changed: the item is gone for the device
      return kItemOpsNotFound;
    default:
      return kItemOpsServerError;
  }
}

// In a multipart response the body's Data travels as a part (MS-ASCMD 2.2.3.133: Part
// replaces Data under airsyncbase:Body and under Properties).
void move_body_data_to_parts(ItemOperationsRun& run, WbxmlElement& props) {
  for (auto& child : props.mutable_children()) {
    if (!child.is(asb::kBody) && !child.is(asb::kBodyPart)) continue;
    for (auto& leaf : child.mutable_children()) {
      if (!leaf.is(asb::kData)) continue;
      WbxmlElement part(io::kPart);
      part.set_text(add_part(run, std::string(leaf.content())));
      leaf = std::move(part);
    }
  }
}

bool fetch_item(const std::shared_ptr<ItemOperationsRun>& run, const ItemOperation& op,
                std::function<void()> done) {
  RequestContext& request = *run->request;
  StateStore& store = *request.services.store;
  Result<MailItemRef> ref =
      op.target == FetchTarget::kLongId
          ? resolve_long_id(store, run->device, op.long_id)
          : resolve_item_or_long_id(store, run->device, op.collection_id, op.server_id);
  if (!ref.is_ok()) {
    run->responses.push_back(fetch_element(op, kItemOpsNotFound));
    return true;
  }
  std::string item_id = op.target == FetchTarget::kLongId ? op.long_id : op.server_id;
  EmailItemOptions options = parse_email_options(op.options, request.eas->version);
  options.user_addresses.push_back(request.credentials.user);
  apply_policy(*run->policy, &options);
  request.services.mail_store->fetch_messages(
      request.credentials, ref->mailbox, {ref->uid}, 0,
      [run, op, options, item_id, done](Result<std::vector<FetchedMessage>> got) {
        if (!got.is_ok() || got->empty()) {
          int status = got.is_ok() ? kItemOpsNotFound : status_of_backend_error(got.status());
          if (!got.is_ok()) {
            log_info("item_operations")
                .msg("fetch failed")
                .kv("user", run->request->credentials.user)
                .kv("error", got.status().to_string());
          }
          run->responses.push_back(fetch_element(op, status));
          done();
          return;
        }
        const FetchedMessage& m = got->front();
        if (m.truncated) {
          run->request->services.metrics->record_degraded("itemops_message_cut");
          if (first_time_for_cause("item_operations.message_cut")) {
            log_warn("item_operations")
                .msg(
                    "message larger than the store's fetch limit; "
                    "its body is converted from the first bytes");
          }
        }
        MessageSummary summary;
        summary.uid = m.uid;
        summary.flags = m.flags;
        summary.internal_date = m.internal_date;
        summary.size = m.size;
        WbxmlElement e = fetch_element(op, kItemOpsSuccess);
        e.add_text(as::kClass, "Email");
        // Options/Schema would narrow the properties; sending them all is allowed (the
        // device ignores what it did not ask for) and keeps one item builder.
        WbxmlElement& props = e.add_child(io::kProperties);
        append_email_item(summary, m.bytes, options, item_id, props);
        if (run->multipart) move_body_data_to_parts(*run, props);
        run->responses.push_back(std::move(e));
        done();
      });
  return false;
}

void answer_attachment(const std::shared_ptr<ItemOperationsRun>& run, const ItemOperation& op,
                       AttachmentLoad load) {
  if (load.status != kItemOpsSuccess) {
    run->responses.push_back(fetch_element(op, load.status));
    return;
  }
  std::string data = std::move(load.content.data);
  const uint64_t total = data.size();
  WbxmlElement e = fetch_element(op, kItemOpsSuccess);
  WbxmlElement& props = e.add_child(io::kProperties);
  props.add_text(asb::kContentType, load.content.content_type);
  if (op.range) {
    // MS-ASCMD 2.2.3.143.2: best effort; the answer says which bytes it holds.
    if (op.range->first >= total) {
      run->responses.push_back(fetch_element(op, kItemOpsBadByteRange));
      return;
    }
    uint64_t last = std::min<uint64_t>(op.range->last, total - 1);
    data = data.substr(op.range->first, last - op.range->first + 1);
    props.add_text(io::kRange, format_index_range(op.range->first, last));
    props.add_text(io::kTotal, std::to_string(total));
  }
  if (run->multipart) {
    props.add_text(io::kPart, add_part(*run, std::move(data)));
  } else {
    // MS-ASCMD 2.2.3.39.2: inline Data is the base64 of the bytes, as a string.
    props.add_text(io::kData, base64_encode(data));
  }
  run->responses.push_back(std::move(e));
}

bool fetch_attachment(const std::shared_ptr<ItemOperationsRun>& run, const ItemOperation& op,
                      std::function<void()> done) {
  AttachmentLoad refused;
  if (load_attachment(run->request, *run->policy, op.file_reference, &refused,
                      [run, op, done](AttachmentLoad load) {
                        answer_attachment(run, op, std::move(load));
                        done();
                      })) {
    answer_attachment(run, op, std::move(refused));
    return true;
  }
  return false;
}

}  // namespace

bool run_fetch(const std::shared_ptr<ItemOperationsRun>& run, std::function<void()> done) {
  const ItemOperation& op = run->ops[run->next];
  if (!is_mailbox_store(op.store)) {
    // Document libraries (UNC / SharePoint links) are not reachable from this gateway.
    run->responses.push_back(fetch_element(op, kItemOpsStoreUnknown));
    return true;
  }
  if (op.target == FetchTarget::kFileReference) return fetch_attachment(run, op, std::move(done));
  return fetch_item(run, op, std::move(done));
}

}  // namespace easgate
