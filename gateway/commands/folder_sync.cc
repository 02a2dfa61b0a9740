#include "gateway/commands/folder_sync.h"

#include <charconv>
#include <optional>

#include "backends/api/collection_store.h"
#include "backends/api/mail_store.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/folder_hierarchy.h"

namespace easgate {
namespace {

namespace fh = tag::folder_hierarchy;

WbxmlDocument status_only(int status) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(fh::kFolderSync);
  doc.root.add_text(fh::kStatus, std::to_string(status));
  return doc;
}

void reply_status(const std::shared_ptr<RequestContext>& request, int status) {
  request->reply_wbxml(status_only(status), status);
}

void add_folder(WbxmlElement& parent, Tag tag, const FolderEntry& f) {
  WbxmlElement& e = parent.add_child(tag);
  e.add_text(fh::kServerId, f.server_id);
  e.add_text(fh::kParentId, f.parent_server_id);
  e.add_text(fh::kDisplayName, f.display_name);
  e.add_text(fh::kType, std::to_string(f.type));
}

WbxmlDocument changes_response(uint32_t sync_key, const FolderHierarchyChanges& changes) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(fh::kFolderSync);
  doc.root.add_text(fh::kStatus, std::to_string(kFolderSyncSuccess));
  doc.root.add_text(fh::kSyncKey, std::to_string(sync_key));
  WbxmlElement& list = doc.root.add_child(fh::kChanges);
  list.add_text(fh::kCount, std::to_string(changes.count()));
  for (const auto& id : changes.deleted) list.add_child(fh::kDelete).add_text(fh::kServerId, id);
  for (const auto& f : changes.updated) add_folder(list, fh::kUpdate, f);
  for (const auto& f : changes.added) add_folder(list, fh::kAdd, f);
  return doc;
}

// The DAV folders a device already has, as if the DAV server had just listed them: used
// when the DAV server cannot be reached, so its folders are neither deleted nor changed.
void keep_known_dav_folders(const std::vector<FolderEntry>& known,
                            std::vector<BackendFolder>* backend) {
  for (const auto& f : known) {
    if (f.backend_ref.rfind("dav:", 0) != 0) continue;
    BackendFolder b;
    b.backend_ref = f.backend_ref;
    b.backend_identity = f.backend_identity;
    b.display_name = f.display_name;
    b.type = f.type;
    backend->push_back(std::move(b));
  }
}

// State of one FolderSync while the two backend listings are outstanding.
struct FolderSyncRun {
  std::shared_ptr<RequestContext> request;
  DeviceKey device;
  uint32_t client_key = 0;                         // SyncKey the client sent
  std::vector<FolderEntry> base;                   // what the client holds (empty for 0)
  std::vector<FolderEntry> known;                  // ServerIds to reuse
  uint32_t current_key = 0;                        // newest generation in the store
  std::optional<Result<std::vector<MailFolderInfo>>> mail;
  std::optional<Result<std::vector<DavCollection>>> dav;
};

void finish(const std::shared_ptr<FolderSyncRun>& run) {
  RequestContext& request = *run->request;
  StateStore& store = *request.services.store;
  if (!run->mail->is_ok()) {
    Status s = run->mail->status();
    log_warn("folder_sync").msg("mail folder listing failed").kv("user", request.credentials.user)
        .kv("error", s.to_string());
    reply_status(run->request, s.kind() == ErrorKind::kTimeout ? kFolderSyncTimeout
                                                                : kFolderSyncServerError);
    return;
  }
  std::vector<DavCollection> collections;
  bool dav_ok = run->dav->is_ok();
  if (dav_ok) {
    collections = std::move(run->dav->value());
  } else {
    request.services.metrics->record_degraded("dav_listing_failed");
    if (first_time_for_cause("folder_sync.dav_listing_failed")) {
      log_warn("folder_sync").msg("DAV collections unavailable; keeping the known ones")
          .kv("error", run->dav->status().to_string());
    }
  }
  std::vector<BackendFolder> backend = backend_folders_from(run->mail->value(), collections);
  if (!dav_ok) keep_known_dav_folders(run->known, &backend);

  Status allocation_error;
  auto new_id = [&]() -> std::string {
    auto id = store.allocate_folder_server_id(run->device);
    if (!id.is_ok()) {
      if (allocation_error.is_ok()) allocation_error = id.status();
      return {};
    }
    return std::move(id.value());
  };
  std::vector<FolderEntry> next = assign_server_ids(run->known, backend, new_id);
  if (!allocation_error.is_ok()) {
    request.reply_error(allocation_error);
    return;
  }
  FolderHierarchyChanges changes = diff_folder_hierarchy(run->base, next);

  // Nothing new since the client's key: answer with the same key and no generation churn.
  if (run->client_key != 0 && changes.count() == 0) {
    request.reply_wbxml(changes_response(run->client_key, changes), kFolderSyncSuccess);
    return;
  }
  uint32_t new_key = run->client_key == 0 ? 1 : run->current_key + 1;
  if (run->client_key == 0) {
    // MS-ASCMD 2.2.3.177.5: SyncKey 0 starts the device over, collections included.
    if (Status s = store.reset_folder_hierarchy(run->device); !s) {
      request.reply_error(s);
      return;
    }
  }
  FolderHierarchySnapshot snapshot;
  snapshot.sync_key = new_key;
  snapshot.folders = std::move(next);
  if (Status s = store.commit_folder_hierarchy(run->device, snapshot); !s) {
    request.reply_error(s);
    return;
  }
  request.reply_wbxml(changes_response(new_key, changes), kFolderSyncSuccess);
}

void maybe_finish(const std::shared_ptr<FolderSyncRun>& run) {
  if (!run->mail || !run->dav) return;
  if (!run->request->client_alive()) return;  // nobody to answer; nothing was committed
  finish(run);
}

std::optional<uint32_t> parse_sync_key(std::string_view text) {
  uint32_t key = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), key);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return key;
}

}  // namespace

void FolderSyncHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body || !request->body->root.is(fh::kFolderSync) ||
      !request->body->root.child(fh::kSyncKey)) {
    reply_status(request, kFolderSyncBadRequest);
    return;
  }
  auto key = parse_sync_key(request->body->root.child_text(fh::kSyncKey));
  if (!key) {
    reply_status(request, kFolderSyncInvalidKey);
    return;
  }
  StateStore& store = *request->services.store;
  auto run = std::make_shared<FolderSyncRun>();
  run->request = request;
  run->device = DeviceKey{request->credentials.user, request->eas->device_id};
  run->client_key = *key;

  auto current = store.load_current_folder_hierarchy(run->device);
  bool have_current = current.is_ok();
  if (!have_current && current.status().kind() != ErrorKind::kNotFound) {
    request->reply_error(current.status());
    return;
  }
  if (have_current) run->current_key = current->sync_key;

  if (*key == 0) {
    // Keep the ServerIds the device had, so a resync does not renumber its folders.
    if (have_current) run->known = current->folders;
  } else {
    auto held = store.load_folder_hierarchy(run->device, *key);
    if (!held.is_ok()) {
      if (held.status().kind() != ErrorKind::kNotFound) {
        request->reply_error(held.status());
        return;
      }
      reply_status(request, kFolderSyncInvalidKey);
      return;
    }
    if (have_current && *key != current->sync_key) {
      // The client holds the previous generation: our last answer was lost. Send the same
      // changes and key again (DESIGN.md "Sync engine"), without asking the backends.
      request->reply_wbxml(
          changes_response(current->sync_key, diff_folder_hierarchy(held->folders, current->folders)),
          kFolderSyncSuccess);
      return;
    }
    run->base = held->folders;
    run->known = held->folders;
  }

  const Credentials& credentials = request->credentials;
  request->services.mail_store->list_folders(
      credentials, [run](Result<std::vector<MailFolderInfo>> folders) {
        run->mail = std::move(folders);
        maybe_finish(run);
      });
  request->services.collection_store->list_collections(
      credentials, [run](Result<std::vector<DavCollection>> collections) {
        run->dav = std::move(collections);
        maybe_finish(run);
      });
}

}  // namespace easgate
