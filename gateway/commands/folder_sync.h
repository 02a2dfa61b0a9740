#pragma once
// FolderSync (MS-ASCMD 2.2.1.5): the folder hierarchy of mail (IMAP), calendars, tasks and
// contacts (DAV), with stable ServerIds and SyncKey generations kept in the state store.

#include "gateway/commands/command_handler.h"

namespace easgate {

// FolderSync Status values (MS-ASCMD 2.2.3.177.5).
enum FolderSyncStatus : int {
  kFolderSyncSuccess = 1,          // success
  kFolderSyncServerError = 6,      // an error occurred on the server
  kFolderSyncTimeout = 8,          // the request timed out
  kFolderSyncInvalidKey = 9,       // SyncKey mismatch or invalid: the client starts over
  kFolderSyncBadRequest = 10,      // incorrectly formatted request
  kFolderSyncUnknownError = 11,    // unknown error
};

class FolderSyncHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
