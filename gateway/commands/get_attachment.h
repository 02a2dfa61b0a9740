#pragma once
// GetAttachment (MS-ASCMD 2.2.1.7, protocols 2.5-12.1): the attachment named by the
// AttachmentName query parameter (an email_item.h FileReference, the 2.5 AttName) as the
// raw HTTP body with its Content-Type. Same resolution and policy as ItemOperations Fetch
// (item_operations_attachment.h). Later protocols fetch with ItemOperations; a 14.0+
// client that still sends GetAttachment is served all the same (nothing is gained by
// refusing it).

#include "gateway/commands/command_handler.h"

namespace easgate {

class GetAttachmentHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
