#include "gateway/commands/get_item_estimate.h"

#include <algorithm>
#include <charconv>

#include "backends/api/mail_store.h"
#include "gateway/commands/get_item_estimate_conversation.h"
#include "gateway/commands/sync_dav.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/email_flag_snapshot.h"
#include "gateway/sync/email_sync_state.h"

namespace easgate {
namespace {

namespace gie = tag::get_item_estimate;
namespace as = tag::air_sync;

constexpr std::string_view kImapRef = "imap:";
constexpr std::string_view kDavRef = "dav:";

std::optional<uint32_t> parse_u32(std::string_view text) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// One collection of the request and, once known, its answer.
struct EstimateItem {
  std::string collection_id;      // GetItemEstimate:CollectionId
  std::string sync_key;           // AirSync:SyncKey as sent
  int status = kEstimateSuccess;  // GetItemEstimate:Status of this collection
  uint64_t estimate = 0;          // GetItemEstimate:Estimate
  bool conversation_mode = false;  // airsync:ConversationMode 1 (MS-ASCMD 2.2.3.36.1)
};

struct EstimateRun {
  std::shared_ptr<RequestContext> request;
  std::vector<FolderEntry> folders;
  std::vector<EstimateItem> items;
  size_t next = 0;
};
using Run = std::shared_ptr<EstimateRun>;

void reply(const Run& run) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(gie::kGetItemEstimate);
  for (const EstimateItem& item : run->items) {
    WbxmlElement& r = doc.root.add_child(gie::kResponse);
    r.add_text(gie::kStatus, std::to_string(item.status));
    WbxmlElement& c = r.add_child(gie::kCollection);
    c.add_text(gie::kCollectionId, item.collection_id);
    if (item.status == kEstimateSuccess) c.add_text(gie::kEstimate, std::to_string(item.estimate));
  }
  run->request->reply_wbxml(doc, kEstimateSuccess);
}

void estimate_next(const Run& run);

void done_item(const Run& run, int status, uint64_t estimate) {
  run->items[run->next].status = status;
  run->items[run->next].estimate = estimate;
  ++run->next;
  estimate_next(run);
}

void estimate_next(const Run& run) {
  if (!run->request->client_alive()) return;
  if (run->next == run->items.size()) return reply(run);
  RequestContext& request = *run->request;
  EstimateItem& item = run->items[run->next];
  const FolderEntry* folder = nullptr;
  for (const auto& f : run->folders)
    if (f.server_id == item.collection_id) folder = &f;
  if (!folder || (folder->backend_ref.rfind(kImapRef, 0) != 0 &&
                  folder->backend_ref.rfind(kDavRef, 0) != 0))
    return done_item(run, kEstimateInvalidCollection, 0);
  auto key = parse_u32(item.sync_key);
  if (!key) return done_item(run, kEstimateInvalidKey, 0);
  if (*key == 0) return done_item(run, kEstimateNotPrimed, 0);
  if (folder->backend_ref.rfind(kDavRef, 0) == 0) {
    return estimate_dav_collection(run->request, item.collection_id,
                                   folder->backend_ref.substr(kDavRef.size()), *key,
                                   [run](Result<uint64_t> n) {
      if (!n.is_ok()) return done_item(run, kEstimateInvalidKey, 0);
      done_item(run, kEstimateSuccess, *n);
    });
  }
  CollectionKey ck{request.credentials.user, request.eas->device_id, item.collection_id};
  auto state = request.services.store->load_collection_state(ck, *key);
  if (!state.is_ok()) return done_item(run, kEstimateInvalidKey, 0);
  auto cursor = decode_cursor(state->cursor);
  auto pending = decode_pending_window(state->pending_window);
  auto uidvalidity = parse_u32(state->folder_identity);
  if (!cursor || !pending || !uidvalidity) return done_item(run, kEstimateInvalidKey, 0);
  uint64_t listed = pending->deletes.size() + pending->changes.size() + pending->adds.size() +
                    pending->soft_deletes.size();
  MailboxRef mailbox{folder->backend_ref.substr(kImapRef.size()), *uidvalidity};
  MailStore& mail = *request.services.mail_store;
  // MS-ASCMD 2.2.3.36.1: with ConversationMode 1 the estimate also counts the older
  // members of conversations that have a message inside the FilterType window, as the
  // Syncs will bring them (14.0+, and only while a window is in force, like Sync).
  if (item.conversation_mode && pending->since > 0 &&
      request.eas->version >= ProtocolVersion::v14_0()) {
    ConversationEstimateInput in;
    in.key = ck;
    in.generation = *key;
    in.mailbox = mailbox;
    in.since = pending->since;
    in.pending_adds = pending->adds;
    const auto& whole = pending->conversation_adds;
    for (uint32_t u : pending->adds)
      if (std::find(whole.begin(), whole.end(), u) == whole.end()) in.uids.push_back(u);
    auto count = [run, listed](ConversationEstimateInput in, uint64_t walk) {
      estimate_conversation_members(run->request, std::move(in),
                                    [run, listed, walk](Result<uint64_t> members) {
        if (!members.is_ok()) return done_item(run, kEstimateInvalidKey, 0);
        done_item(run, kEstimateSuccess, listed + walk + *members);
      });
    };
    if (pending->initial_uid_max == 0) return count(std::move(in), 0);
    MessageListFilter filter;  // the rest of the initial walk, UIDs and dates only
    filter.since = pending->since;
    filter.uid_max = pending->initial_uid_max;
    mail.list_messages(request.credentials, mailbox, filter,
                       [run, count, in = std::move(in)](Result<MessageListing> page) mutable {
      if (!page.is_ok()) return done_item(run, kEstimateInvalidKey, 0);
      for (const MessageListEntry& m : page->messages) in.uids.push_back(m.uid);
      count(std::move(in), page->total);
    });
    return;
  }
  if (pending->initial_uid_max > 0) {
    MessageListFilter filter;
    filter.since = pending->since;
    filter.uid_max = pending->initial_uid_max;
    filter.limit = 1;
    mail.list_messages(request.credentials, mailbox, filter,
                       [run, listed](Result<MessageListing> page) {
      if (!page.is_ok()) return done_item(run, kEstimateInvalidKey, 0);
      done_item(run, kEstimateSuccess, listed + page->total);
    });
    return;
  }
  if (listed > 0) return done_item(run, kEstimateSuccess, listed);
  // Same cost rule as Sync: one STATUS when nothing changed.
  uint64_t modseq = cursor->highestmodseq;
  // Without CONDSTORE the listing is diffed against the generation's flag snapshot, as
  // Sync does; an empty one would count every message in the folder.
  std::vector<MessageChange> known;
  if (auto flags = decode_flag_snapshot(state->cursor)) known = snapshot_list(*flags);
  mail.folder_state(request.credentials, mailbox.name,
                    [run, mailbox, modseq, known](Result<MailFolderState> st) {
    if (!st.is_ok() || st->uidvalidity != mailbox.uidvalidity)
      return done_item(run, kEstimateInvalidKey, 0);
    if (st->highestmodseq != 0 && st->highestmodseq == modseq)
      return done_item(run, kEstimateSuccess, 0);
    RequestContext& request = *run->request;
    request.services.mail_store->changes_since(
        request.credentials, mailbox, modseq, known, [run](Result<MessageChanges> changes) {
          if (!changes.is_ok()) return done_item(run, kEstimateInvalidKey, 0);
          done_item(run, kEstimateSuccess, changes->changed.size() + changes->vanished.size());
        });
  });
}

}  // namespace

void GetItemEstimateHandler::handle(std::shared_ptr<RequestContext> request) {
  const WbxmlElement* collections =
      request->body && request->body->root.is(gie::kGetItemEstimate)
          ? request->body->root.child(gie::kCollections)
          : nullptr;
  if (!collections) {
    request->reply_error(Status::malformed("GetItemEstimate without Collections"));
    return;
  }
  auto run = std::make_shared<EstimateRun>();
  run->request = request;
  for (const WbxmlElement* c : collections->children_named(gie::kCollection)) {
    EstimateItem item;
    item.collection_id = std::string(c->child_text(gie::kCollectionId));
    // 14.0+ sends AirSync:SyncKey; 12.x GetItemEstimate:SyncKey does not exist, it uses
    // the AirSync one as well (MS-ASCMD 2.2.3.166.1).
    item.sync_key = std::string(c->child_text(as::kSyncKey));
    if (const WbxmlElement* m = c->child(as::kConversationMode))
      item.conversation_mode = !m->has_text() || m->text() != "0";
    run->items.push_back(std::move(item));
  }
  auto hierarchy = request->services.store->load_current_folder_hierarchy(
      DeviceKey{request->credentials.user, request->eas->device_id});
  if (hierarchy.is_ok()) run->folders = std::move(hierarchy->folders);
  estimate_next(run);
}

}  // namespace easgate
