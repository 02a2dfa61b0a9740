#pragma once
// FolderDelete (MS-ASCMD 2.2.1.4): a mail folder and its subfolders become IMAP DELETEs
// (deepest first: IMAP keeps children of a deleted mailbox, Exchange does not). The folders
// leave the device's hierarchy at a new FolderSync SyncKey, and their sync state is dropped.

#include "gateway/commands/command_handler.h"

namespace easgate {

// FolderDelete Status values beyond the shared ones (MS-ASCMD 2.2.3.177.4).
enum FolderDeleteStatus : int {
  kFolderDeleteSpecial = 3,    // a special (default) folder cannot be deleted
  kFolderDeleteNotFound = 4,   // no such folder
};

class FolderDeleteHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
