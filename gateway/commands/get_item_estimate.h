#pragma once
// GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes the next Sync of each collection
// would bring, computed from the same state the Sync engine keeps (pending window, initial
// walk, changes since the cursor) without committing anything.

#include "gateway/commands/command_handler.h"

namespace easgate {

// MS-ASCMD 2.2.3.177.8 GetItemEstimate Status values.
enum GetItemEstimateStatus : int {
  kEstimateSuccess = 1,            // success
  kEstimateInvalidCollection = 2,  // a collection is invalid or not a mail folder
  kEstimateNotPrimed = 3,          // the collection was never synced (SyncKey 0)
  kEstimateInvalidKey = 4,         // the SyncKey is invalid
};

class GetItemEstimateHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

}  // namespace easgate
