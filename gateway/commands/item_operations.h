#pragma once
// ItemOperations (MS-ASCMD 2.2.1.10) for mail: Fetch of a message by CollectionId+ServerId
// or by Search LongId (Email properties per BodyPreference / MIMESupport), Fetch of an
// attachment by FileReference (whole or a byte Range, subject to the policy's
// AttachmentsEnabled / MaxAttachmentSize), the multipart response form when the client
// sends MS-ASAcceptMultiPart, EmptyFolderContents with DeleteSubFolders, and Move of a
// conversation with MoveAlways (14.0+, item_operations_move.cc). Operations run one after
// another, in order.

#include "gateway/commands/command_handler.h"

namespace easgate {

class ItemOperationsHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
