#include "gateway/commands/folder_update.h"

#include <algorithm>

#include "backends/api/mail_store.h"
#include "gateway/commands/folder_change_common.h"
#include "gateway/commands/mail_item_ref.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace fh = tag::folder_hierarchy;

void reply(const std::shared_ptr<RequestContext>& request, int status) {
  reply_folder_status(request, fh::kFolderUpdate, status);
}

// State of one FolderUpdate while the IMAP RENAME runs.
struct UpdateRun {
  std::shared_ptr<RequestContext> request;
  HierarchyEdit edit;
  std::string server_id;     // the folder
  std::string parent_id;     // its new parent ("0": top level)
  std::string display_name;  // its new name
  std::string old_mailbox;   // IMAP name before
};

void record(const std::shared_ptr<UpdateRun>& run, const std::string& new_mailbox) {
  RequestContext& request = *run->request;
  std::vector<FolderEntry> folders = run->edit.current.folders;
  std::vector<std::string> below = descendants_of(folders, run->server_id);
  const std::string old_ref = "imap:" + run->old_mailbox;
  const std::string new_ref = "imap:" + new_mailbox;
  for (auto& f : folders) {
    if (f.server_id == run->server_id) {
      f.backend_ref = new_ref;
      f.display_name = run->display_name;
      f.parent_server_id = run->parent_id;
    } else if (std::find(below.begin(), below.end(), f.server_id) != below.end() &&
               f.backend_ref.compare(0, old_ref.size(), old_ref) == 0) {
      // RFC 3501 6.3.5: RENAME renames the inferiors too; their names change, nothing else.
      f.backend_ref = new_ref + f.backend_ref.substr(old_ref.size());
    }
  }
  auto key = commit_hierarchy_edit(request, run->edit, std::move(folders));
  if (!key.is_ok()) {
    log_warn("folder_update").msg("folder renamed but the hierarchy commit failed")
        .kv("user", request.credentials.user).kv("error", key.status().to_string());
    reply(run->request, kFolderChangeServerError);
    return;
  }
  WbxmlDocument doc;
  doc.root = WbxmlElement(fh::kFolderUpdate);
  doc.root.add_text(fh::kStatus, std::to_string(kFolderChangeSuccess));
  doc.root.add_text(fh::kSyncKey, std::to_string(*key));
  request.reply_wbxml(doc, kFolderChangeSuccess);
}

}  // namespace

void FolderUpdateHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body || !request->body->root.is(fh::kFolderUpdate)) {
    reply(request, kFolderChangeBadRequest);
    return;
  }
  const WbxmlElement& root = request->body->root;
  if (!root.child(fh::kSyncKey) || root.child_text(fh::kServerId).empty() ||
      !root.child(fh::kParentId) || root.child_text(fh::kDisplayName).empty()) {
    reply(request, kFolderChangeBadRequest);
    return;
  }
  auto edit = begin_hierarchy_edit(*request, root.child_text(fh::kSyncKey));
  if (!edit.is_ok()) {
    reply(request, edit.status().eas_status());
    return;
  }
  auto run = std::make_shared<UpdateRun>();
  run->request = request;
  run->edit = std::move(edit.value());
  run->server_id = std::string(root.child_text(fh::kServerId));
  run->parent_id = std::string(root.child_text(fh::kParentId));
  run->display_name = std::string(root.child_text(fh::kDisplayName));
  const auto& folders = run->edit.current.folders;
  const FolderEntry* folder = find_entry(folders, run->server_id);
  if (!folder) {
    reply(request, kFolderUpdateNotFound);
    return;
  }
  if (is_special_folder(*folder)) {
    reply(request, kFolderUpdateExistsOrSpecial);
    return;
  }
  if (dav_href_of(*folder)) {
    // DAV collections are flat: a rename only, never a move (a move is status 5).
    if (run->parent_id != "0") {
      reply(request, kFolderUpdateParentNotFound);
      return;
    }
    for (const auto& f : folders) {
      if (f.server_id != run->server_id && f.parent_server_id == "0" &&
          f.display_name == run->display_name) {
        reply(request, kFolderUpdateExistsOrSpecial);
        return;
      }
    }
    if (!request->services.collection_store) {
      reply(request, kFolderChangeServerError);
      return;
    }
    rename_dav_folder(request, std::move(run->edit), run->server_id, run->display_name);
    return;
  }
  auto mailbox = imap_mailbox_of(*folder);
  if (!mailbox) {
    reply(request, kFolderChangeServerError);
    return;
  }
  run->old_mailbox = *mailbox;
  std::string parent_mailbox;
  if (run->parent_id != "0") {
    const FolderEntry* parent = find_entry(folders, run->parent_id);
    std::vector<std::string> below = descendants_of(folders, run->server_id);
    bool into_itself = run->parent_id == run->server_id ||
                       std::find(below.begin(), below.end(), run->parent_id) != below.end();
    auto parent_box = parent ? imap_mailbox_of(*parent) : std::nullopt;
    if (!parent || !parent_box || into_itself) {
      reply(request, kFolderUpdateParentNotFound);
      return;
    }
    parent_mailbox = *parent_box;
  }
  for (const auto& f : folders) {
    if (f.server_id != run->server_id && f.parent_server_id == run->parent_id &&
        f.display_name == run->display_name) {
      reply(request, kFolderUpdateExistsOrSpecial);
      return;
    }
  }
  if (folder->parent_server_id == run->parent_id && folder->display_name == run->display_name) {
    // Nothing to change; still a new key, as the device expects one.
    record(run, run->old_mailbox);
    return;
  }
  request->services.mail_store->rename_folder(
      request->credentials, run->old_mailbox, parent_mailbox, run->display_name,
      [run](Result<std::string> renamed) {
        if (!renamed.is_ok()) {
          ErrorKind k = renamed.status().kind();
          int status = kFolderChangeServerError;
          if (k == ErrorKind::kConflict) status = kFolderUpdateExistsOrSpecial;
          if (k == ErrorKind::kNotFound) status = kFolderUpdateNotFound;
          if (k == ErrorKind::kInvalidArgument) status = kFolderChangeBadRequest;
          log_info("folder_update").msg("IMAP RENAME failed")
              .kv("user", run->request->credentials.user)
              .kv("error", renamed.status().to_string());
          reply(run->request, status);
          return;
        }
        record(run, renamed.value());
      });
}

}  // namespace easgate
