#include "gateway/commands/folder_change_common.h"

#include <charconv>

#include "gateway/commands/folder_create.h"
#include "gateway/commands/folder_delete.h"
#include "gateway/commands/folder_update.h"
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

std::optional<std::string> dav_href_of(const FolderEntry& folder) {
  constexpr std::string_view kDav = "dav:";
  if (folder.backend_ref.size() <= kDav.size() || folder.backend_ref.rfind(kDav, 0) != 0) {
    return std::nullopt;
  }
  return folder.backend_ref.substr(kDav.size());
}

std::optional<CollectionKind> dav_kind_for_create_type(int type) {
  switch (type) {
    case kFolderTypeUserCalendar: return CollectionKind::kCalendar;
    case kFolderTypeUserContacts: return CollectionKind::kContacts;
    case kFolderTypeUserTasks: return CollectionKind::kTasks;
    case kFolderTypeUserNotes: return CollectionKind::kNotes;
    default: return std::nullopt;
  }
}

namespace {

namespace fh = tag::folder_hierarchy;

// ParentId of a top-level folder (MS-ASCMD 2.2.3.132.2).
constexpr std::string_view kTopLevel = "0";

// Answers a successful change with the new key (and the new ServerId for FolderCreate).
void reply_committed(const std::shared_ptr<RequestContext>& request, Tag root_tag,
                     uint32_t key, const std::string& new_server_id) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(root_tag);
  doc.root.add_text(fh::kStatus, std::to_string(kFolderChangeSuccess));
  doc.root.add_text(fh::kSyncKey, std::to_string(key));
  if (!new_server_id.empty()) doc.root.add_text(fh::kServerId, new_server_id);
  request->reply_wbxml(doc, kFolderChangeSuccess);
}

// Records the new collection as the next FolderSync will compute it (identity, type,
// name), so that FolderSync finds nothing new to report.
void record_created(const std::shared_ptr<RequestContext>& request, const HierarchyEdit& edit,
                    const DavCollection& made, const std::vector<DavCollection>& listed) {
  std::vector<BackendFolder> backend = backend_folders_from({}, listed);
  const BackendFolder* mine = nullptr;
  for (const auto& b : backend) {
    if (b.backend_ref == "dav:" + made.href) mine = &b;
  }
  // Not listed yet: the collection alone gives the same ref, identity and name; a new
  // collection is never the default one, so its type is the user type.
  std::vector<BackendFolder> alone = backend_folders_from({}, {made});
  if (!mine) mine = &alone.front();
  auto id = request->services.store->allocate_folder_server_id(edit.device);
  if (!id.is_ok()) {
    reply_folder_status(request, fh::kFolderCreate, kFolderChangeServerError);
    return;
  }
  FolderEntry entry;
  entry.server_id = *id;
  entry.parent_server_id = std::string(kTopLevel);
  entry.display_name = mine->display_name;
  entry.type = mine->type;
  entry.backend_ref = mine->backend_ref;
  entry.backend_identity = mine->backend_identity;
  std::vector<FolderEntry> folders = edit.current.folders;
  folders.push_back(entry);
  auto key = commit_hierarchy_edit(*request, edit, std::move(folders));
  if (!key.is_ok()) {
    log_warn("folder_create").msg("collection created but the hierarchy commit failed")
        .kv("user", request->credentials.user).kv("error", key.status().to_string());
    reply_folder_status(request, fh::kFolderCreate, kFolderChangeServerError);
    return;
  }
  reply_committed(request, fh::kFolderCreate, *key, entry.server_id);
}

}  // namespace

void create_dav_folder(std::shared_ptr<RequestContext> request, HierarchyEdit edit,
                       CollectionKind kind, std::string display_name) {
  auto shared_edit = std::make_shared<HierarchyEdit>(std::move(edit));
  request->services.collection_store->create_collection(
      request->credentials, kind, display_name,
      [request, shared_edit](Result<DavCollection> made) {
        if (!made.is_ok()) {
          int status = kFolderChangeServerError;
          if (made.status().kind() == ErrorKind::kConflict) status = kFolderCreateExists;
          log_info("folder_create").msg("DAV collection create failed")
              .kv("user", request->credentials.user).kv("error", made.status().to_string());
          reply_folder_status(request, fh::kFolderCreate, status);
          return;
        }
        auto collection = std::make_shared<DavCollection>(std::move(made.value()));
        request->services.collection_store->list_collections(
            request->credentials,
            [request, shared_edit, collection](Result<std::vector<DavCollection>> listed) {
              std::vector<DavCollection> all;
              if (listed.is_ok()) all = std::move(listed.value());
              record_created(request, *shared_edit, *collection, all);
            });
      });
}

void rename_dav_folder(std::shared_ptr<RequestContext> request, HierarchyEdit edit,
                       std::string server_id, std::string display_name) {
  const FolderEntry* folder = find_entry(edit.current.folders, server_id);
  auto href = folder ? dav_href_of(*folder) : std::nullopt;
  if (!href) {
    reply_folder_status(request, fh::kFolderUpdate, kFolderUpdateNotFound);
    return;
  }
  auto shared_edit = std::make_shared<HierarchyEdit>(std::move(edit));
  request->services.collection_store->update_collection(
      request->credentials, *href, display_name,
      [request, shared_edit, server_id, display_name](Status s) {
        if (!s.is_ok()) {
          int status = kFolderChangeServerError;
          if (s.kind() == ErrorKind::kNotFound) status = kFolderUpdateNotFound;
          log_info("folder_update").msg("DAV displayname change failed")
              .kv("user", request->credentials.user).kv("error", s.to_string());
          reply_folder_status(request, fh::kFolderUpdate, status);
          return;
        }
        // RFC 4918 15.2: DAV:displayname is what FolderSync shows; the href stays.
        std::vector<FolderEntry> folders = shared_edit->current.folders;
        for (auto& f : folders) {
          if (f.server_id == server_id) f.display_name = display_name;
        }
        auto key = commit_hierarchy_edit(*request, *shared_edit, std::move(folders));
        if (!key.is_ok()) {
          reply_folder_status(request, fh::kFolderUpdate, kFolderChangeServerError);
          return;
        }
        reply_committed(request, fh::kFolderUpdate, *key, "");
      });
}

void delete_dav_folder(std::shared_ptr<RequestContext> request, HierarchyEdit edit,
                       std::string server_id) {
  const FolderEntry* folder = find_entry(edit.current.folders, server_id);
  auto href = folder ? dav_href_of(*folder) : std::nullopt;
  if (!href) {
    reply_folder_status(request, fh::kFolderDelete, kFolderDeleteNotFound);
    return;
  }
  auto shared_edit = std::make_shared<HierarchyEdit>(std::move(edit));
  request->services.collection_store->delete_collection(
      request->credentials, *href, [request, shared_edit, server_id](Status s) {
        // A collection already gone is what was wanted.
        if (!s.is_ok() && s.kind() != ErrorKind::kNotFound) {
          log_info("folder_delete").msg("DAV collection delete failed")
              .kv("user", request->credentials.user).kv("error", s.to_string());
          reply_folder_status(request, fh::kFolderDelete, kFolderChangeServerError);
          return;
        }
        std::vector<FolderEntry> folders;
        for (const auto& f : shared_edit->current.folders) {
          if (f.server_id != server_id) folders.push_back(f);
        }
        CollectionKey ck{shared_edit->device.user_id, shared_edit->device.device_id, server_id};
        if (Status r = request->services.store->reset_collection(ck); !r) {
          log_warn("folder_delete").msg("could not drop a deleted folder's sync state")
              .kv("user", request->credentials.user).kv("error", r.to_string());
        }
        auto key = commit_hierarchy_edit(*request, *shared_edit, std::move(folders));
        if (!key.is_ok()) {
          reply_folder_status(request, fh::kFolderDelete, kFolderChangeServerError);
          return;
        }
        reply_committed(request, fh::kFolderDelete, *key, "");
      });
}

}  // namespace easgate
