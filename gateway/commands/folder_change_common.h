#pragma once
// What FolderCreate (MS-ASCMD 2.2.1.3), FolderDelete (2.2.1.4) and FolderUpdate (2.2.1.6)
// share: the device's SyncKey must be its current FolderSync key; a successful change
// commits a new hierarchy generation that already holds the change, so the next FolderSync
// does not report it again, and answers with that generation's key.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/api/collection_store.h"
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

// The collection href of a DAV folder (backend_ref "dav:<href>"); nullopt for mail folders.
std::optional<std::string> dav_href_of(const FolderEntry& folder);

// The collection kind a FolderCreate Type asks for: 13 calendar, 14 contacts, 15 tasks,
// 17 notes (MS-ASCMD 2.2.3.186.2); nullopt for every other type.
std::optional<CollectionKind> dav_kind_for_create_type(int type);

// The DAV branches of FolderCreate, FolderUpdate and FolderDelete. DAV collections are
// flat (one home per kind), so the folder lives at the top level ("0"), exactly where the
// next FolderSync puts it. Each commits the hierarchy as the mail branch does and answers
// `root_tag` itself, once, later.
void create_dav_folder(std::shared_ptr<RequestContext> request, HierarchyEdit edit,
                       CollectionKind kind, std::string display_name);
void rename_dav_folder(std::shared_ptr<RequestContext> request, HierarchyEdit edit,
                       std::string server_id, std::string display_name);
void delete_dav_folder(std::shared_ptr<RequestContext> request, HierarchyEdit edit,
                       std::string server_id);

}  // namespace easgate
