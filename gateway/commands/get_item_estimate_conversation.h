#pragma once
// GetItemEstimate with ConversationMode (MS-ASCMD 2.2.3.36.1, MS-ASCON 3.1.4.9): how many
// messages older than the FilterType window the next Syncs will bring because a message of
// their conversation is inside it. Mirrors the Sync engine's expansion
// (sync_email_conversation.cc), so the estimate equals what the Syncs then deliver.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "backends/api/mail_store.h"
#include "gateway/core/status.h"
#include "gateway/store/state_store.h"

namespace easgate {

class RequestContext;

// What the collection's next Syncs still have to send as ordinary Adds.
struct ConversationEstimateInput {
  CollectionKey key;                   // the device's collection
  uint32_t generation = 0;             // the SyncKey the estimate is for
  MailboxRef mailbox;                  // its IMAP folder
  int64_t since = 0;                   // INTERNALDATE cutoff of the FilterType in force (> 0)
  std::vector<uint32_t> uids;          // messages still to be sent inside the window
  std::vector<uint32_t> pending_adds;  // every Add already queued (not counted again)
};

// Counts the conversation members outside the window that are neither known to the device
// nor queued. `done` runs once, on the request's loop.
void estimate_conversation_members(std::shared_ptr<RequestContext> request,
                                   ConversationEstimateInput input,
                                   std::function<void(Result<uint64_t>)> done);

}  // namespace easgate
