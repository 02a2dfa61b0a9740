#include "gateway/commands/folder_change_common.h"

#include <charconv>

#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/sync/folder_hierarchy.h"

namespace easgate {

Result<HierarchyEdit> begin_hierarchy_edit(RequestContext& request, std::string_view sync_key) {
  uint32_t key = 0;
  auto [p, ec] = std::from_chars(sync_key.data(), sync_key.data() + sync_key.size(), key);
  if (sync_key.empty() || ec != std::errc() || p != sync_key.data() + sync_key.size() ||
      key == 0) {
    return Status::invalid_argument("bad SyncKey").with_eas_status(kFolderChangeInvalidKey);
  }
  HierarchyEdit edit;
  edit.device = DeviceKey{request.credentials.user, request.eas->device_id};
  auto current = request.services.store->load_current_folder_hierarchy(edit.device);
  if (!current.is_ok()) {
    if (current.status().kind() == ErrorKind::kNotFound) {
      return Status::invalid_argument("no FolderSync yet").with_eas_status(kFolderChangeInvalidKey);
    }
    return Status(current.status()).with_eas_status(kFolderChangeServerError);
  }
  // MS-ASCMD 2.2.3.181.3: the key must be the client's current FolderSync key.
  if (current->sync_key != key) {
    return Status::invalid_argument("stale SyncKey").with_eas_status(kFolderChangeInvalidKey);
  }
  edit.current = std::move(current.value());
  return edit;
}

Result<uint32_t> commit_hierarchy_edit(RequestContext& request, const HierarchyEdit& edit,
                                       std::vector<FolderEntry> folders) {
  FolderHierarchySnapshot next;
  next.sync_key = edit.current.sync_key + 1;
  next.folders = std::move(folders);
  if (Status s = request.services.store->commit_folder_hierarchy(edit.device, next); !s) {
    return std::move(s).with_eas_status(kFolderChangeServerError);
  }
  return next.sync_key;
}

void reply_folder_status(const std::shared_ptr<RequestContext>& request, Tag root_tag,
                         int status) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(root_tag);
  doc.root.add_text(tag::folder_hierarchy::kStatus, std::to_string(status));
  request->reply_wbxml(doc, status);
}

const FolderEntry* find_entry(const std::vector<FolderEntry>& folders,
                              const std::string& server_id) {
  for (const auto& f : folders) {
    if (f.server_id == server_id) return &f;
  }
  return nullptr;
}

std::vector<std::string> descendants_of(const std::vector<FolderEntry>& folders,
                                        const std::string& server_id) {
  std::vector<std::string> out;
  std::vector<std::string> frontier{server_id};
  // Breadth first, so deeper folders come later; bounded by the folder count (no cycles).
  for (size_t round = 0; !frontier.empty() && round <= folders.size(); ++round) {
    std::vector<std::string> next;
    for (const auto& f : folders) {
      for (const auto& parent : frontier) {
        if (f.parent_server_id == parent) {
          next.push_back(f.server_id);
          break;
        }
      }
    }
    out.insert(out.end(), next.begin(), next.end());
    frontier = std::move(next);
  }
  return out;
}

bool is_special_folder(const FolderEntry& folder) {
  switch (folder.type) {
    case kFolderTypeInbox:
    case kFolderTypeDrafts:
    case kFolderTypeDeletedItems:
    case kFolderTypeSentItems:
    case kFolderTypeOutbox:
    case kFolderTypeTasks:
    case kFolderTypeCalendar:
    case kFolderTypeContacts:
    case kFolderTypeNotes:
      return true;
    default:
      return false;
  }
}

}  // namespace easgate
