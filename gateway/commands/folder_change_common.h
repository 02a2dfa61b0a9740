#pragma once
// What FolderCreate (MS-ASCMD 2.2.1.3), FolderDelete (2.2.1.4) and FolderUpdate (2.2.1.6)
// share: the device's SyncKey must be its current FolderSync key; a successful change
// commits a new hierarchy generation that already holds the change, so the next FolderSync
// does not report it again, and answers with that generation's key.

#include <memory>
#include <string>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/eas/wbxml/wbxml_element.h"
#include "gateway/store/state_store.h"

namespace easgate {

class RequestContext;

// Status values the three commands share (2.2.3.177.3, .4, .6).
enum FolderChangeStatus : int {
  kFolderChangeSuccess = 1,        // done
  kFolderChangeServerError = 6,    // the backend failed or does not support the change
  kFolderChangeInvalidKey = 9,     // SyncKey is not the current FolderSync key
  kFolderChangeBadRequest = 10,    // a required element is missing
};

// The device's hierarchy as the change starts from it.
struct HierarchyEdit {
  DeviceKey device;                  // whose hierarchy
  FolderHierarchySnapshot current;   // newest generation; its key matched the request's
};

// Loads the current hierarchy and checks `sync_key` against it. A failure carries the EAS
// status to answer with (9 for a stale or unknown key).
[[nodiscard]] Result<HierarchyEdit> begin_hierarchy_edit(RequestContext& request,
                                                         std::string_view sync_key);

// Commits `folders` as generation current + 1; returns the new key.
[[nodiscard]] Result<uint32_t> commit_hierarchy_edit(RequestContext& request,
                                                     const HierarchyEdit& edit,
                                                     std::vector<FolderEntry> folders);

// Answers `root_tag` with only a Status.
void reply_folder_status(const std::shared_ptr<RequestContext>& request, Tag root_tag,
                         int status);

// The entry with `server_id`, or nullptr.
const FolderEntry* find_entry(const std::vector<FolderEntry>& folders,
                              const std::string& server_id);

// ServerIds of every folder below `server_id` (children, grandchildren...), deepest last.
std::vector<std::string> descendants_of(const std::vector<FolderEntry>& folders,
                                        const std::string& server_id);

// True for a folder the user cannot delete, rename or move: the default Inbox, Drafts,
// Deleted Items, Sent Items, Outbox, and the default DAV folders (MS-ASCMD 2.2.3.177.4).
bool is_special_folder(const FolderEntry& folder);

}  // namespace easgate
