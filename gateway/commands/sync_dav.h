#pragma once
// The sync engine for one Calendar, Contacts, Tasks or Notes collection backed by a CalDAV /
// CardDAV collection (issue 5). Same rules as the Email engine (DESIGN.md "Sync engine"):
// SyncKey N+1 is committed with the changes it carries, client commands first, no echo, a
// retried key gets the same answer, MoreAvailable walks a stored list.
//
// Cursor: the RFC 6578 sync-token plus the ETag of each member the device holds
// (gateway/sync/dav_sync_state.h). Item map: ServerId <-> href. Costs: a Sync with nothing
// new is one sync-collection REPORT; a window of N changes is one multiget REPORT.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "backends/api/collection_store.h"
#include "gateway/eas/wbxml/wbxml_element.h"
#include "gateway/sync/sync_request.h"

namespace easgate {

class RequestContext;

// What the engine needs to know about the collection besides the request.
struct DavCollectionTarget {
  // Collection href on the DAV server (FolderEntry::backend_ref without "dav:").
  std::string href;
  // What the collection holds (decides the EAS class and the converters).
  CollectionKind kind = CollectionKind::kCalendar;
  // Window size for this collection (1..512).
  uint32_t window_size = 100;
  // Calendar FilterType cutoff (epoch seconds): a single event that ended before it is not
  // sent (MS-ASCMD 2.2.3.69.2); 0: all.
  int64_t since = 0;
  // Tasks FilterType 8: only incomplete tasks are sent (MS-ASCMD 2.2.3.69.2).
  bool incomplete_tasks_only = false;
};

// The folder kind a FolderSync type maps to; nullopt for types this engine does not serve
// (mail).
std::optional<CollectionKind> dav_kind_for_folder_type(int folder_type);

struct FolderEntry;

// The target of a Sync on `folder` (backend_ref "dav:<href>", a calendar, contacts or tasks
// type) with the request's FilterType applied at `now` (epoch seconds); nullopt for a
// folder this engine does not serve.
std::optional<DavCollectionTarget> dav_target_for_folder(const FolderEntry& folder,
                                                         const SyncCollectionRequest& request,
                                                         int64_t now);

// Runs the collection; `done` gets the AirSync:Collection element of the response exactly
// once, later, on the request's loop.
void sync_dav_collection(std::shared_ptr<RequestContext> request,
                         SyncCollectionRequest collection, DavCollectionTarget target,
                         std::function<void(WbxmlElement)> done);

// GetItemEstimate for a DAV folder (MS-ASCMD 2.2.1.9): how many Adds, Changes and Deletes
// the next Sync with `sync_key` would bring: the stored MoreAvailable list plus what the
// server changed since the generation's sync-token, not counting versions the device holds
// already. For SyncKey 1 (cursor empty) that is every member. FilterType is not applied.
// `done` runs once: at once when the key or the stored state is unusable (an error),
// otherwise later, on the request's loop, after one sync-collection REPORT.
void estimate_dav_collection(std::shared_ptr<RequestContext> request, std::string collection_id,
                             std::string href, uint32_t sync_key,
                             std::function<void(Result<uint64_t>)> done);

}  // namespace easgate
