#include "gateway/commands/item_operations_attachment.h"

#include "backends/mime/mime_message.h"
#include "gateway/commands/email_item.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"
#include "rules/policy/provisioning_policy.h"

namespace easgate {
namespace {

AttachmentLoad decode(std::string_view raw, const std::string& section, uint64_t max_size) {
  AttachmentLoad out;
  auto message = mime::MimeMessage::parse(raw);
  if (!message.is_ok()) {
    out.status = kItemOpsConversionFailed;
    return out;
  }
  auto content = mime::extract_attachment(*message, section);
  if (!content.is_ok()) {
    out.status = kItemOpsBadAttachment;
    return out;
  }
  // MS-ASPROV 2.2.2.37 MaxAttachmentSize: larger attachments are not served.
  if (max_size && content->data.size() > max_size) {
    out.status = kItemOpsTooLarge;
    return out;
  }
  out.content = std::move(content.value());
  if (out.content.content_type.empty()) out.content.content_type = "application/octet-stream";
  return out;
}

}  // namespace

Result<MailItemRef> resolve_item_or_long_id(StateStore& store, const DeviceKey& device,
                                            const std::string& collection_id,
                                            const std::string& id) {
  auto ref = resolve_mail_item(store, device, collection_id, id);
  if (ref.is_ok() || ref.status().kind() == ErrorKind::kUnsupported) return ref;
  auto by_long_id = resolve_long_id(store, device, id);
  if (by_long_id.is_ok() && by_long_id->collection_id == collection_id) return by_long_id;
  return ref;
}

bool load_attachment(const std::shared_ptr<RequestContext>& request,
                     const ProvisioningPolicy& policy, const std::string& file_reference,
                     AttachmentLoad* refused, std::function<void(AttachmentLoad)> done) {
  auto parts = parse_file_reference(file_reference);
  if (!parts) {
    refused->status = kItemOpsBadAttachment;
    return true;
  }
  // MS-ASPROV 2.2.2.8 AttachmentsEnabled=0: the server refuses attachment downloads.
  if (!policy.attachments_enabled) {
    refused->status = kItemOpsBlocked;
    return true;
  }
  DeviceKey device{request->credentials.user, request->eas->device_id};
  auto ref = resolve_item_or_long_id(*request->services.store, device, parts->collection_id,
                                     parts->server_id);
  if (!ref.is_ok()) {
    refused->status = kItemOpsBadAttachment;
    return true;
  }
  uint64_t max_size = policy.max_attachment_size.value_or(0);
  // The whole message: the part's decoding needs its MIME headers, and GMime finds the
  // part by the same section numbering the FileReference was made from.
  request->services.mail_store->fetch_message(
      request->credentials, ref->mailbox, ref->uid, MessagePart{},
      [request, section = parts->section, max_size, done](Result<std::string> raw) {
        if (!raw.is_ok()) {
          AttachmentLoad failed;
          ErrorKind k = raw.status().kind();
          // Gone (expunged, UIDVALIDITY changed): the reference names nothing any more.
          failed.status = k == ErrorKind::kNotFound || k == ErrorKind::kConflict
                              ? kItemOpsBadAttachment
                              : kItemOpsServerError;
          if (failed.status == kItemOpsServerError) {
            log_info("item_operations")
                .msg("attachment fetch failed")
                .kv("user", request->credentials.user)
                .kv("error", raw.status().to_string());
          }
          done(std::move(failed));
          return;
        }
        done(decode(*raw, section, max_size));
      });
  return false;
}

}  // namespace easgate
