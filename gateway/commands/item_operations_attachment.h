#pragma once
// Loading one attachment by FileReference (email_item.h format, or the LongId form Search
// and Find hand out), with the policy's AttachmentsEnabled / MaxAttachmentSize applied.
// Shared by ItemOperations Fetch and the pre-14.0 GetAttachment command.

#include <functional>
#include <memory>
#include <string>

#include "backends/mime/attachments.h"
#include "gateway/commands/item_operations_request.h"
#include "gateway/commands/mail_item_ref.h"

namespace easgate {

class RequestContext;
struct ProvisioningPolicy;

// An item ServerId from a Sync item map, or else the LongId form that Search and Find hand
// out as a ServerId (its three fields never collide with a two-field Sync ServerId).
[[nodiscard]] Result<MailItemRef> resolve_item_or_long_id(StateStore& store,
                                                          const DeviceKey& device,
                                                          const std::string& collection_id,
                                                          const std::string& id);

// Outcome of loading an attachment.
struct AttachmentLoad {
  int status = kItemOpsSuccess;     // ItemOperations status: 1, 3, 14, 15, 16 or 11
  mime::AttachmentContent content;  // the decoded bytes, type and name when status is 1
};

// Loads the attachment `file_reference` of the request's user and device. Returns true
// when it is refused at once (`*refused` holds the status; `done` is never called); false
// when the backend fetch is under way and `done` runs later on the loop.
bool load_attachment(const std::shared_ptr<RequestContext>& request,
                     const ProvisioningPolicy& policy, const std::string& file_reference,
                     AttachmentLoad* refused, std::function<void(AttachmentLoad)> done);

}  // namespace easgate
