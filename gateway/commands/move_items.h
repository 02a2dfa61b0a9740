#pragma once
// MoveItems (MS-ASCMD 2.2.1.12): mail items move with IMAP MOVE (or COPY + EXPUNGE, the
// store's fallback). Each moved item gets a ServerId in the destination collection's item
// map and leaves the source map, so neither Sync reports the move back to the device.

#include "gateway/commands/command_handler.h"

namespace easgate {

// MoveItems Status values (MS-ASCMD 2.2.3.177.10).
enum MoveItemsStatus : int {
  kMoveInvalidSource = 1,       // source folder or item unknown (moved away, deleted)
  kMoveInvalidDestination = 2,  // destination folder unknown
  kMoveSuccess = 3,             // moved
  kMoveSameFolder = 4,          // source and destination are the same folder
  kMoveFailed = 5,              // the backend failed (or the items are of another class)
  kMoveLocked = 7,              // source or destination locked
};

class MoveItemsHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
