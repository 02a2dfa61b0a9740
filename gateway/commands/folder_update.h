#pragma once
// FolderUpdate (MS-ASCMD 2.2.1.6): renaming or moving a mail folder becomes an IMAP
// RENAME (which carries the subfolders along). The folder keeps its ServerId; the device's
// hierarchy moves to a new FolderSync SyncKey that already holds the new name and place.

#include "gateway/commands/command_handler.h"

namespace easgate {

// FolderUpdate Status values beyond the shared ones (MS-ASCMD 2.2.3.177.6).
enum FolderUpdateStatus : int {
  kFolderUpdateExistsOrSpecial = 2,  // the name is taken, or the folder is a special one
  kFolderUpdateNotFound = 4,         // no such folder
  kFolderUpdateParentNotFound = 5,   // no such parent
};

class FolderUpdateHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
