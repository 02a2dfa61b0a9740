#pragma once
// Direct Push for Sync (issue 6): the empty Sync request and Partial against the cached
// previous request (MS-ASCMD 2.2.1.21.1, 2.2.3.124), Wait / HeartbeatInterval bounds
// (2.2.3.198, 2.2.3.88.2), and holding a Sync that found nothing on the same wake-up path
// as Ping (WorkerPush). sync.cc calls these around its collection run.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "gateway/eas/wbxml/wbxml_element.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/sync_request.h"

namespace easgate {

class RequestContext;

// What the Sync handler runs, after the cache and the wait bounds.
struct SyncPlan {
  // MS-ASCMD 2.2.3.177.17 status to answer at once (4, 13, 14); 0: run `document`.
  int status = 0;
  // With status 14: the allowed bound for MS-ASCMD 2.2.3.97 Limit (minutes for Wait,
  // seconds for HeartbeatInterval).
  uint32_t limit = 0;
  // The request to run: the body, the cached request (empty body) or the merge (Partial).
  WbxmlDocument document;
  // Seconds to hold the Sync when it finds nothing; 0: answer at once.
  uint32_t hold_seconds = 0;
};

// Resolves the request's body against the device's cached request and caches the result
// (without client commands). Synchronous.
SyncPlan plan_sync_request(RequestContext& request);

// The Sync-level error response: Status and, for 14, Limit.
void reply_sync_plan_error(RequestContext& request, const SyncPlan& plan);

// True when the response carries nothing for the device: every collection answered
// Status 1 with the SyncKey it was sent, nothing else; and the request had no client
// commands (those are never re-applied by a re-run).
bool sync_found_nothing(const SyncRequest& sync, const std::vector<WbxmlElement>& results);

// After a response: the cached request takes the SyncKeys the response issued, so an empty
// Sync request next time continues from them.
void update_cached_sync_keys(RequestContext& request, const std::vector<WbxmlElement>& results);

// Holds the Sync until a watched collection changes (`rerun` then runs it again and
// answers) or `seconds` pass / a newer request of the device arrives (an empty response:
// MS-ASCMD 2.2.1.21.2). False when it cannot be held (no push, folders unknown): the
// caller answers at once.
bool hold_sync(const std::shared_ptr<RequestContext>& request, const SyncRequest& sync,
               const std::vector<FolderEntry>& folders, uint32_t seconds,
               std::function<void()> rerun);

}  // namespace easgate
