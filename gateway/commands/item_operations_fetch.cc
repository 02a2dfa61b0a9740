// ItemOperations Fetch (MS-ASCMD 2.2.3.67.1) of a mail item or of an attachment.
#include <algorithm>

#include "backends/mime/attachments.h"
#include "backends/mime/mime_message.h"
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

// An item ServerId from a Sync item map, or else the LongId form that Search and Find
// hand out (its three fields never collide with a two-field Sync ServerId).
Result<MailItemRef> resolve_any(StateStore& store, const DeviceKey& device,
                                const std::string& collection_id, const std::string& id) {
  auto ref = resolve_mail_item(store, device, collection_id, id);
  if (ref.is_ok() || ref.status().kind() == ErrorKind::kUnsupported) return ref;
  auto by_long_id = resolve_long_id(store, device, id);
  if (by_long_id.is_ok() && by_long_id->collection_id == collection_id) return by_long_id;
  return ref;
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
  Result<MailItemRef> ref = op.target == FetchTarget::kLongId
                                ? resolve_long_id(store, run->device, op.long_id)
                                : resolve_any(store, run->device, op.collection_id, op.server_id);
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
                       std::string_view raw) {
  auto message = mime::MimeMessage::parse(raw);
  if (!message.is_ok()) {
    run->responses.push_back(fetch_element(op, kItemOpsConversionFailed));
    return;
  }
  auto parts = parse_file_reference(op.file_reference);
  auto content = mime::extract_attachment(*message, parts->section);
  if (!content.is_ok()) {
    run->responses.push_back(fetch_element(op, kItemOpsBadAttachment));
    return;
  }
  // MS-ASPROV 2.2.2.37 MaxAttachmentSize: larger attachments are not served.
  if (run->policy->max_attachment_size &&
      content->data.size() > *run->policy->max_attachment_size) {
    run->responses.push_back(fetch_element(op, kItemOpsTooLarge));
    return;
  }
  std::string data = std::move(content->data);
  const uint64_t total = data.size();
  WbxmlElement e = fetch_element(op, kItemOpsSuccess);
  WbxmlElement& props = e.add_child(io::kProperties);
  props.add_text(asb::kContentType, content->content_type.empty() ? "application/octet-stream"
                                                                  : content->content_type);
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
  RequestContext& request = *run->request;
  auto parts = parse_file_reference(op.file_reference);
  if (!parts) {
    run->responses.push_back(fetch_element(op, kItemOpsBadAttachment));
    return true;
  }
  // MS-ASPROV 2.2.2.8 AttachmentsEnabled=0: the server refuses attachment downloads.
  if (!run->policy->attachments_enabled) {
    run->responses.push_back(fetch_element(op, kItemOpsBlocked));
    return true;
  }
  auto ref =
      resolve_any(*request.services.store, run->device, parts->collection_id, parts->server_id);
  if (!ref.is_ok()) {
    run->responses.push_back(fetch_element(op, kItemOpsBadAttachment));
    return true;
  }
  // The whole message: the part's decoding needs its MIME headers, and GMime finds the
  // part by the same section numbering the FileReference was made from.
  request.services.mail_store->fetch_message(
      request.credentials, ref->mailbox, ref->uid, MessagePart{},
      [run, op, done](Result<std::string> raw) {
        if (!raw.is_ok()) {
          int status = status_of_backend_error(raw.status());
          run->responses.push_back(
              fetch_element(op, status == kItemOpsNotFound ? kItemOpsBadAttachment : status));
        } else {
          answer_attachment(run, op, *raw);
        }
        done();
      });
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
