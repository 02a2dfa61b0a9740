// ItemOperations EmptyFolderContents (MS-ASCMD 2.2.3.58): every message of a folder is
// expunged, page by page; with DeleteSubFolders its subfolders are deleted too, deepest
// first. The device learns of both through its next Sync / FolderSync.
#include <set>

#include "gateway/commands/item_operations_run.h"
#include "gateway/commands/mail_item_ref.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;
namespace io = tag::item_operations;

// UIDs expunged per IMAP command: bounded command lines and memory on huge folders.
constexpr size_t kExpungePage = 1000;
// A folder that never empties (another client keeps delivering) stops after this many pages.
constexpr int kMaxExpungePages = 10000;

struct EmptyRun {
  std::shared_ptr<ItemOperationsRun> run;
  std::function<void()> done;
  std::string collection_id;
  std::string mailbox;                  // IMAP name of the folder being emptied
  std::vector<std::string> subfolders;  // IMAP names to delete, deepest first
  size_t next_subfolder = 0;
  int pages = 0;
  bool partial = false;  // a subfolder could not be deleted
};

void finish(const std::shared_ptr<EmptyRun>& e, int status) {
  WbxmlElement out(io::kEmptyFolderContents);
  out.add_text(io::kStatus, std::to_string(status));
  out.add_text(as::kCollectionId, e->collection_id);
  e->run->responses.push_back(std::move(out));
  auto done = std::move(e->done);
  done();
}

void delete_next_subfolder(const std::shared_ptr<EmptyRun>& e) {
  if (e->next_subfolder == e->subfolders.size()) {
    finish(e, e->partial ? kItemOpsPartial : kItemOpsSuccess);
    return;
  }
  RequestContext& request = *e->run->request;
  const std::string& name = e->subfolders[e->next_subfolder];
  request.services.mail_store->delete_folder(request.credentials, name, [e](Status s) {
    if (!s.is_ok() && s.kind() != ErrorKind::kNotFound) {
      log_info("item_operations")
          .msg("subfolder not deleted")
          .kv("user", e->run->request->credentials.user)
          .kv("error", s.to_string());
      e->partial = true;
    }
    ++e->next_subfolder;
    delete_next_subfolder(e);
  });
}

void expunge_next_page(const std::shared_ptr<EmptyRun>& e) {
  RequestContext& request = *e->run->request;
  MessageListFilter filter;
  filter.limit = kExpungePage;
  request.services.mail_store->list_messages(
      request.credentials, MailboxRef{e->mailbox, 0}, filter, [e](Result<MessageListing> listing) {
        if (!listing.is_ok()) {
          log_warn("item_operations")
              .msg("listing a folder to empty failed")
              .kv("user", e->run->request->credentials.user)
              .kv("error", listing.status().to_string());
          finish(e, listing.status().kind() == ErrorKind::kNotFound ? kItemOpsNotFound
                                                                    : kItemOpsServerError);
          return;
        }
        if (listing->messages.empty() || ++e->pages > kMaxExpungePages) {
          delete_next_subfolder(e);
          return;
        }
        std::vector<uint32_t> uids;
        for (const auto& m : listing->messages) uids.push_back(m.uid);
        RequestContext& req = *e->run->request;
        req.services.mail_store->expunge_messages(
            req.credentials, MailboxRef{e->mailbox, listing->uidvalidity}, uids, [e](Status s) {
              if (!s.is_ok()) {
                log_warn("item_operations")
                    .msg("expunge failed")
                    .kv("user", e->run->request->credentials.user)
                    .kv("error", s.to_string());
                finish(e, kItemOpsServerError);
                return;
              }
              expunge_next_page(e);
            });
      });
}

// ServerIds of every folder below `root`, deepest first.
std::vector<std::string> subfolders_deepest_first(const std::vector<FolderEntry>& folders,
                                                  const std::string& root) {
  std::vector<std::vector<std::string>> levels;
  std::set<std::string> frontier{root};
  while (!frontier.empty() && levels.size() < 64) {
    std::set<std::string> below;
    for (const auto& f : folders)
      if (frontier.count(f.parent_server_id)) below.insert(f.server_id);
    if (below.empty()) break;
    levels.emplace_back(below.begin(), below.end());
    frontier = std::move(below);
  }
  std::vector<std::string> out;
  for (auto it = levels.rbegin(); it != levels.rend(); ++it)
    out.insert(out.end(), it->begin(), it->end());
  return out;
}

}  // namespace

bool run_empty_folder(const std::shared_ptr<ItemOperationsRun>& run, std::function<void()> done) {
  const ItemOperation& op = run->ops[run->next];
  RequestContext& request = *run->request;
  auto refuse = [&](int status) {
    WbxmlElement out(io::kEmptyFolderContents);
    out.add_text(io::kStatus, std::to_string(status));
    out.add_text(as::kCollectionId, op.collection_id);
    run->responses.push_back(std::move(out));
    return true;
  };
  auto hierarchy = request.services.store->load_current_folder_hierarchy(run->device);
  if (!hierarchy.is_ok()) return refuse(kItemOpsNotFound);
  const FolderEntry* folder = nullptr;
  for (const auto& f : hierarchy->folders)
    if (f.server_id == op.collection_id) folder = &f;
  auto mailbox = folder ? imap_mailbox_of(*folder) : std::nullopt;
  if (!mailbox) return refuse(kItemOpsNotFound);
  auto e = std::make_shared<EmptyRun>();
  e->run = run;
  e->done = std::move(done);
  e->collection_id = op.collection_id;
  e->mailbox = *mailbox;
  if (op.delete_subfolders) {
    for (const auto& id : subfolders_deepest_first(hierarchy->folders, op.collection_id)) {
      for (const auto& f : hierarchy->folders)
        if (f.server_id == id)
          if (auto name = imap_mailbox_of(f)) e->subfolders.push_back(*name);
    }
  }
  expunge_next_page(e);
  return false;
}

}  // namespace easgate
