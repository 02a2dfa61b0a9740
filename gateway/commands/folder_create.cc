#include "gateway/commands/folder_create.h"

#include "backends/api/mail_store.h"
#include "gateway/commands/folder_change_common.h"
#include "gateway/commands/mail_item_ref.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/sync/folder_hierarchy.h"

namespace easgate {
namespace {

namespace fh = tag::folder_hierarchy;

void reply(const std::shared_ptr<RequestContext>& request, int status) {
  reply_folder_status(request, fh::kFolderCreate, status);
}

// State of one FolderCreate across the IMAP CREATE and the LIST that follows.
struct CreateRun {
  std::shared_ptr<RequestContext> request;
  HierarchyEdit edit;
  std::string parent_id;     // ParentId as sent ("0": top level)
  std::string display_name;  // DisplayName as sent
  std::string mailbox;       // the new IMAP mailbox name
};

void commit_entry(const std::shared_ptr<CreateRun>& run, BackendFolder mine);

// A LIST on another pooled connection may not show the folder yet (seen with Dovecot's
// mailbox list index under concurrent sessions); STATUS on the folder itself gives its
// UIDVALIDITY, which is the identity FolderSync uses when the server has no OBJECTID.
void record_from_status(const std::shared_ptr<CreateRun>& run) {
  RequestContext& request = *run->request;
  request.services.metrics->record_degraded("folder_create_not_listed");
  request.services.mail_store->folder_state(
      request.credentials, run->mailbox, [run](Result<MailFolderState> state) {
        if (!state.is_ok()) {
          log_warn("folder_create").msg("created folder cannot be found")
              .kv("user", run->request->credentials.user)
              .kv("error", state.status().to_string());
          reply(run->request, kFolderChangeServerError);
          return;
        }
        BackendFolder mine;
        mine.backend_ref = "imap:" + run->mailbox;
        mine.backend_identity = "uidvalidity:" + std::to_string(state->uidvalidity);
        mine.display_name = run->display_name;
        mine.type = kFolderTypeUserMail;
        commit_entry(run, std::move(mine));
      });
}

void record(const std::shared_ptr<CreateRun>& run, const std::vector<MailFolderInfo>& listed) {
  // The entry exactly as the next FolderSync will compute it (identity, type, name), so
  // that FolderSync finds nothing new to report.
  std::vector<BackendFolder> backend = backend_folders_from(listed, {});
  for (auto& b : backend) {
    if (b.backend_ref == "imap:" + run->mailbox) {
      commit_entry(run, std::move(b));
      return;
    }
  }
  record_from_status(run);
}

void commit_entry(const std::shared_ptr<CreateRun>& run, BackendFolder mine) {
  RequestContext& request = *run->request;
  auto id = request.services.store->allocate_folder_server_id(run->edit.device);
  if (!id.is_ok()) {
    reply(run->request, kFolderChangeServerError);
    return;
  }
  FolderEntry entry;
  entry.server_id = *id;
  entry.parent_server_id = run->parent_id;
  entry.display_name = mine.display_name;
  entry.type = mine.type;
  entry.backend_ref = mine.backend_ref;
  entry.backend_identity = mine.backend_identity;
  std::vector<FolderEntry> folders = run->edit.current.folders;
  folders.push_back(entry);
  auto key = commit_hierarchy_edit(request, run->edit, std::move(folders));
  if (!key.is_ok()) {
    log_warn("folder_create").msg("folder created but the hierarchy commit failed")
        .kv("user", request.credentials.user).kv("error", key.status().to_string());
    reply(run->request, kFolderChangeServerError);
    return;
  }
  WbxmlDocument doc;
  doc.root = WbxmlElement(fh::kFolderCreate);
  doc.root.add_text(fh::kStatus, std::to_string(kFolderChangeSuccess));
  doc.root.add_text(fh::kSyncKey, std::to_string(*key));
  doc.root.add_text(fh::kServerId, entry.server_id);
  request.reply_wbxml(doc, kFolderChangeSuccess);
}

bool is_mail_type(int type) {
  return type == kFolderTypeUserGeneric || type == kFolderTypeUserMail;
}

}  // namespace

void FolderCreateHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body) {
    reply(request, kFolderChangeBadRequest);
    return;
  }
  const WbxmlElement& root = request->body->root;
  if (!root.is(fh::kFolderCreate) || !root.child(fh::kSyncKey) || !root.child(fh::kParentId) ||
      root.child_text(fh::kDisplayName).empty() || !root.child(fh::kType)) {
    reply(request, kFolderChangeBadRequest);
    return;
  }
  auto edit = begin_hierarchy_edit(*request, root.child_text(fh::kSyncKey));
  if (!edit.is_ok()) {
    reply(request, edit.status().eas_status());
    return;
  }
  auto run = std::make_shared<CreateRun>();
  run->request = request;
  run->edit = std::move(edit.value());
  run->parent_id = std::string(root.child_text(fh::kParentId));
  run->display_name = std::string(root.child_text(fh::kDisplayName));
  int type = std::atoi(std::string(root.child_text(fh::kType)).c_str());

  if (auto kind = dav_kind_for_create_type(type)) {
    // DAV collections are flat: only the top level holds them (MS-ASCMD 2.2.3.177.3
    // status 3, the parent cannot hold the folder).
    if (run->parent_id != "0") {
      reply(request, find_entry(run->edit.current.folders, run->parent_id)
                         ? kFolderCreateSpecialParent
                         : kFolderCreateParentNotFound);
      return;
    }
    for (const auto& f : run->edit.current.folders) {
      if (f.parent_server_id == "0" && f.display_name == run->display_name) {
        reply(request, kFolderCreateExists);
        return;
      }
    }
    if (!request->services.collection_store) {
      reply(request, kFolderChangeServerError);
      return;
    }
    create_dav_folder(request, std::move(run->edit), *kind, run->display_name);
    return;
  }
  std::string parent_mailbox;
  if (run->parent_id != "0") {
    const FolderEntry* parent = find_entry(run->edit.current.folders, run->parent_id);
    if (!parent) {
      reply(request, kFolderCreateParentNotFound);
      return;
    }
    auto mailbox = imap_mailbox_of(*parent);
    if (!mailbox) {
      reply(request, kFolderCreateSpecialParent);  // a mail folder cannot live in a DAV one
      return;
    }
    parent_mailbox = *mailbox;
  }
  if (!is_mail_type(type)) {
    // Types 1-12 other than mail are the default folders, which the device cannot create.
    log_info("folder_create").msg("folder type cannot be created")
        .kv("user", request->credentials.user).kv("type", type);
    reply(request, kFolderChangeServerError);
    return;
  }
  for (const auto& f : run->edit.current.folders) {
    if (f.parent_server_id == run->parent_id && f.display_name == run->display_name) {
      reply(request, kFolderCreateExists);
      return;
    }
  }
  request->services.mail_store->create_folder(
      request->credentials, parent_mailbox, run->display_name, [run](Result<std::string> made) {
        if (!made.is_ok()) {
          ErrorKind k = made.status().kind();
          int status = kFolderChangeServerError;
          if (k == ErrorKind::kConflict) status = kFolderCreateExists;
          if (k == ErrorKind::kNotFound) status = kFolderCreateParentNotFound;
          if (k == ErrorKind::kInvalidArgument) status = kFolderChangeBadRequest;
          log_info("folder_create").msg("IMAP CREATE failed")
              .kv("user", run->request->credentials.user).kv("error", made.status().to_string());
          reply(run->request, status);
          return;
        }
        run->mailbox = std::move(made.value());
        run->request->services.mail_store->list_folders(
            run->request->credentials, [run](Result<std::vector<MailFolderInfo>> listed) {
              if (!listed.is_ok()) {
                reply(run->request, kFolderChangeServerError);
                return;
              }
              record(run, *listed);
            });
      });
}

}  // namespace easgate
