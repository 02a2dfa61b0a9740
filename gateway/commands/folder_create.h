#pragma once
// FolderCreate (MS-ASCMD 2.2.1.3): a mail folder becomes an IMAP CREATE. The new folder
// enters the device's hierarchy at a new FolderSync SyncKey, returned with its ServerId.

#include "gateway/commands/command_handler.h"

namespace easgate {

// FolderCreate Status values beyond the shared ones (MS-ASCMD 2.2.3.177.3).
enum FolderCreateStatus : int {
  kFolderCreateExists = 2,           // the parent already has a folder of that name
  kFolderCreateSpecialParent = 3,    // the parent cannot hold the folder
  kFolderCreateParentNotFound = 5,   // the parent does not exist (deleted or renamed)
};

class FolderCreateHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
