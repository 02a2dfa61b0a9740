#include "gateway/commands/folder_delete.h"

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
  reply_folder_status(request, fh::kFolderDelete, status);
}

// State of one FolderDelete while its IMAP DELETEs run one after another.
struct DeleteRun {
  std::shared_ptr<RequestContext> request;
  HierarchyEdit edit;
  std::vector<std::string> server_ids;  // the folder last, its descendants deepest first
  std::vector<std::string> mailboxes;   // IMAP names, same order
  size_t next = 0;                      // index of the next DELETE
};

void finish(const std::shared_ptr<DeleteRun>& run) {
  RequestContext& request = *run->request;
  std::vector<FolderEntry> folders;
  for (const auto& f : run->edit.current.folders) {
    if (std::find(run->server_ids.begin(), run->server_ids.end(), f.server_id) ==
        run->server_ids.end()) {
      folders.push_back(f);
    }
  }
  for (const auto& id : run->server_ids) {
    CollectionKey key{run->edit.device.user_id, run->edit.device.device_id, id};
    if (Status s = request.services.store->reset_collection(key); !s) {
      log_warn("folder_delete").msg("could not drop a deleted folder's sync state")
          .kv("user", request.credentials.user).kv("error", s.to_string());
    }
  }
  auto key = commit_hierarchy_edit(request, run->edit, std::move(folders));
  if (!key.is_ok()) {
    reply(run->request, kFolderChangeServerError);
    return;
  }
  WbxmlDocument doc;
  doc.root = WbxmlElement(fh::kFolderDelete);
  doc.root.add_text(fh::kStatus, std::to_string(kFolderChangeSuccess));
  doc.root.add_text(fh::kSyncKey, std::to_string(*key));
  request.reply_wbxml(doc, kFolderChangeSuccess);
}

void delete_next(const std::shared_ptr<DeleteRun>& run) {
  if (run->next == run->mailboxes.size()) {
    finish(run);
    return;
  }
  const std::string& mailbox = run->mailboxes[run->next];
  run->request->services.mail_store->delete_folder(
      run->request->credentials, mailbox, [run](Status s) {
        // A folder already gone is what was wanted; anything else stops here. Folders
        // deleted before the failure reach the device with the next FolderSync.
        if (!s.is_ok() && s.kind() != ErrorKind::kNotFound) {
          log_info("folder_delete").msg("IMAP DELETE failed")
              .kv("user", run->request->credentials.user).kv("error", s.to_string());
          reply(run->request, kFolderChangeServerError);
          return;
        }
        ++run->next;
        delete_next(run);
      });
}

}  // namespace

void FolderDeleteHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body || !request->body->root.is(fh::kFolderDelete) ||
      !request->body->root.child(fh::kSyncKey) ||
      request->body->root.child_text(fh::kServerId).empty()) {
    reply(request, kFolderChangeBadRequest);
    return;
  }
  const WbxmlElement& root = request->body->root;
  auto edit = begin_hierarchy_edit(*request, root.child_text(fh::kSyncKey));
  if (!edit.is_ok()) {
    reply(request, edit.status().eas_status());
    return;
  }
  auto run = std::make_shared<DeleteRun>();
  run->request = request;
  run->edit = std::move(edit.value());
  std::string server_id(root.child_text(fh::kServerId));
  const FolderEntry* folder = find_entry(run->edit.current.folders, server_id);
  if (!folder) {
    reply(request, kFolderDeleteNotFound);
    return;
  }
  if (is_special_folder(*folder)) {
    reply(request, kFolderDeleteSpecial);
    return;
  }
  if (dav_href_of(*folder)) {
    // A DAV collection has no subfolders; DELETE removes it and its members.
    if (!request->services.collection_store) {
      reply(request, kFolderChangeServerError);
      return;
    }
    delete_dav_folder(request, std::move(run->edit), server_id);
    return;
  }
  if (!imap_mailbox_of(*folder)) {
    reply(request, kFolderChangeServerError);
    return;
  }
  std::vector<std::string> below = descendants_of(run->edit.current.folders, server_id);
  std::reverse(below.begin(), below.end());  // deepest first
  below.push_back(server_id);
  for (const auto& id : below) {
    const FolderEntry* f = find_entry(run->edit.current.folders, id);
    auto mailbox = f ? imap_mailbox_of(*f) : std::nullopt;
    if (!mailbox || is_special_folder(*f)) {
      reply(request, kFolderDeleteSpecial);  // a special or DAV folder below: refuse all
      return;
    }
    run->server_ids.push_back(id);
    run->mailboxes.push_back(*mailbox);
  }
  delete_next(run);
}

}  // namespace easgate
