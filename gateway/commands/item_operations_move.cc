// ItemOperations Move of a conversation (MS-ASCMD 2.2.3.117.1, MS-ASCON 2.2.2.7/2.2.2.8):
// every message of the ConversationId in the mail folders the device syncs (Sent Items
// excepted) moves to DstFldId, and with MoveAlways the conversation's future mail follows
// (a ConversationRule the Email Sync engine applies when new mail reaches a synced folder).
// The device learns of both through its next Syncs: Deletes in the sources, Adds with new
// ServerIds in the destination.
//
// Finding the messages: IMAP cannot search by the gateway's ConversationId (a hash), so the
// device's own items are read newest first until one carries the id; its thread root then
// finds the whole conversation with one UID SEARCH per folder (conversation.h), and every
// hit is checked again by its computed ConversationId before it moves.

#include <algorithm>
#include <charconv>
#include <optional>

#include "gateway/commands/conversation.h"
#include "gateway/commands/item_operations_run.h"
#include "gateway/commands/mail_item_ref.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/sync/folder_hierarchy.h"

namespace easgate {
namespace {

namespace io = tag::item_operations;

// MS-ASCMD 2.2.3.186.3 FolderSync Type 19: the recipient information cache.
constexpr int kFolderTypeRecipientInfoCache = 19;
// Messages whose headers one fetch_summaries reads: bounded replies and memory.
constexpr size_t kHeaderPage = 250;

// One mail folder the device syncs.
struct SyncedFolder {
  std::string mailbox;         // IMAP name
  uint32_t uidvalidity = 0;    // of the device's item map
  std::vector<uint32_t> uids;  // the device's items, newest (highest UID) first
};

struct MoveRun {
  std::shared_ptr<ItemOperationsRun> run;
  std::function<void()> done;
  std::string conversation_id;  // raw bytes
  std::string destination;      // IMAP name of DstFldId
  std::vector<SyncedFolder> folders;
  std::optional<ConversationKeys> keys;  // of the first message found
  size_t folder = 0;                     // folder being worked on
  size_t offset = 0;                     // next page of that folder's candidates
  std::vector<uint32_t> candidates;      // UIDs of `folder` that may belong to the conversation
  std::vector<uint32_t> members;         // verified members of `folder`
  size_t moved = 0;                      // messages moved so far
  bool failed = false;                   // a folder's move failed
};
using Move = std::shared_ptr<MoveRun>;

RequestContext& request_of(const Move& m) { return *m->run->request; }

void finish(const Move& m, int status) {
  WbxmlElement out(io::kMove);
  out.add_text(io::kStatus, std::to_string(status));
  out.add_opaque(io::kConversationId, m->conversation_id);
  m->run->responses.push_back(std::move(out));
  auto done = std::move(m->done);
  if (done) done();  // empty for a refusal answered before any backend call
}

// Pages through `candidates` of the current folder, keeping those whose headers carry the
// ConversationId; `first_only` stops at the first one (the search for the thread keys).
void verify_page(const Move& m, bool first_only, std::function<void()> next) {
  const SyncedFolder& f = m->folders[m->folder];
  if (m->offset >= m->candidates.size() || (first_only && !m->members.empty())) return next();
  size_t end = std::min(m->candidates.size(), m->offset + kHeaderPage);
  std::vector<uint32_t> page(m->candidates.begin() + static_cast<std::ptrdiff_t>(m->offset),
                             m->candidates.begin() + static_cast<std::ptrdiff_t>(end));
  m->offset = end;
  RequestContext& r = request_of(m);
  r.services.mail_store->fetch_summaries(
      r.credentials, MailboxRef{f.mailbox, f.uidvalidity}, page, true,
      [m, first_only, next](Result<std::vector<MessageSummary>> got) {
        if (!m->run->request->client_alive()) return;
        if (!got.is_ok()) {
          // The folder changed identity or vanished: it holds nothing of ours any more.
          log_info("item_operations")
              .msg("conversation Move skips a folder")
              .kv("error", got.status().to_string());
          m->offset = m->candidates.size();
          return next();
        }
        for (const MessageSummary& s : *got) {
          auto keys = conversation_keys_of(s.header);
          if (!keys || keys->conversation_id != m->conversation_id) continue;
          if (!m->keys) m->keys = keys;
          m->members.push_back(s.uid);
        }
        verify_page(m, first_only, next);
      });
}

void move_folder(const Move& m);
void record_rule(const Move& m);

void next_folder(const Move& m) {
  ++m->folder;
  move_folder(m);
}

// Moves the verified members of the current folder, then goes on with the next folder.
void move_members(const Move& m) {
  const SyncedFolder& f = m->folders[m->folder];
  if (m->members.empty()) return next_folder(m);
  RequestContext& r = request_of(m);
  auto uids = m->members;
  r.services.mail_store->move_messages(r.credentials, MailboxRef{f.mailbox, f.uidvalidity}, uids,
                                       m->destination,
                                       [m, n = uids.size()](Result<MessageMoveResult> moved) {
                                         if (!m->run->request->client_alive()) return;
                                         if (!moved.is_ok()) {
                                           log_warn("item_operations")
                                               .msg("conversation Move failed in a folder")
                                               .kv("user", m->run->request->credentials.user)
                                               .kv("error", moved.status().to_string());
                                           m->failed = true;
                                         } else {
                                           m->moved += n;
                                         }
                                         next_folder(m);
                                       });
}

// The current folder: its messages of the conversation (search by thread root, or the
// device's items when the conversation has no searchable root), verified, then moved.
void move_folder(const Move& m) {
  if (m->folder >= m->folders.size()) {
    int status = m->failed ? kItemOpsServerError : kItemOpsSuccess;
    if (!m->failed) record_rule(m);  // MoveAlways: the conversation's future mail follows
    log_info("item_operations")
        .msg("conversation moved")
        .kv("user", request_of(m).credentials.user)
        .kv("conversation", conversation_hex(m->conversation_id))
        .kv("messages", m->moved)
        .kv("status", status);
    return finish(m, status);
  }
  const SyncedFolder& f = m->folders[m->folder];
  m->members.clear();
  m->offset = 0;
  auto criteria = thread_search_criteria(*m->keys);
  if (criteria.empty()) {
    m->candidates = f.uids;
    return verify_page(m, false, [m] { move_members(m); });
  }
  MailSearchQuery q;
  q.mailboxes = {f.mailbox};
  q.any_header = std::move(criteria);
  RequestContext& r = request_of(m);
  r.services.mail_store->search(r.credentials, q, [m](Result<std::vector<MailSearchHit>> hits) {
    if (!m->run->request->client_alive()) return;
    m->candidates.clear();
    if (hits.is_ok())
      for (const MailSearchHit& h : *hits) m->candidates.push_back(h.uid);
    else
      m->failed = true;
    verify_page(m, false, [m] { move_members(m); });
  });
}

// Looks through the device's items, folder by folder, newest first, for one message of
// the conversation: its keys find the rest.
void find_first(const Move& m) {
  if (m->keys) {
    m->folder = 0;
    return move_folder(m);
  }
  if (m->folder >= m->folders.size()) return finish(m, kItemOpsNotFound);
  m->candidates = m->folders[m->folder].uids;
  m->members.clear();
  m->offset = 0;
  verify_page(m, true, [m] {
    if (!m->keys) ++m->folder;
    find_first(m);
  });
}

// Records the MoveAlways rule; the Sync engine applies it to new mail (sync_email_conversation.cc).
void record_rule(const Move& m) {
  RequestContext& r = request_of(m);
  ConversationRule rule;
  rule.conversation_id = m->conversation_id;
  rule.destination = m->destination;
  rule.created = r.services.clock->wall_now();
  Status st = r.services.store->put_conversation_rule(r.credentials.user, rule);
  if (!st.is_ok())
    log_warn("item_operations").msg("MoveAlways rule not saved").kv("error", st.to_string());
}

// Some clients send the byte array as base64 text (libwbxml's XML form of opaque data);
// a 16-byte id never looks like that, so both forms are read.
std::string raw_conversation_id(const std::string& sent) {
  if (sent.size() != 24 ||
      sent.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
          std::string::npos)
    return sent;
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : sent) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out.size() == 16 ? out : sent;
}

}  // namespace

bool run_move(const std::shared_ptr<ItemOperationsRun>& run, std::function<void()> done) {
  const ItemOperation& op = run->ops[run->next];
  RequestContext& request = *run->request;
  auto m = std::make_shared<MoveRun>();
  m->run = run;
  m->conversation_id = raw_conversation_id(op.conversation_id);
  auto refuse = [&](int status) {
    finish(m, status);  // m->done is not set yet: the caller goes on by itself
    return true;
  };
  // MS-ASCMD 2.2.3.117.1: Move is 14.0+.
  if (request.eas->version < ProtocolVersion::v14_0()) return refuse(kItemOpsProtocolError);
  if (!op.move_always) return refuse(kItemOpsMoveAlwaysMissing);
  StateStore& store = *request.services.store;
  auto dst = find_folder(store, run->device, op.destination);
  if (!dst.is_ok()) return refuse(kItemOpsNotFound);
  if (dst->type == kFolderTypeRecipientInfoCache) return refuse(kItemOpsInvalidCombination);
  auto dst_mailbox = imap_mailbox_of(*dst);
  if (!dst_mailbox) return refuse(kItemOpsUnsupported);  // MS-ASCON 2.2.2.10: IPF.Note only
  m->destination = *dst_mailbox;

  auto hierarchy = store.load_current_folder_hierarchy(run->device);
  if (!hierarchy.is_ok()) return refuse(kItemOpsNotFound);
  for (const FolderEntry& f : hierarchy->folders) {
    auto mailbox = imap_mailbox_of(f);
    // MS-ASCON 2.2.2.8: every folder except Sent Items.
    if (!mailbox || *mailbox == m->destination || f.type == kFolderTypeSentItems) continue;
    CollectionKey key{run->device.user_id, run->device.device_id, f.server_id};
    auto state = store.load_current_collection_state(key);
    if (!state.is_ok()) continue;  // not synced by this device
    auto items = store.list_items(key, state->generation);
    if (!items.is_ok()) continue;
    SyncedFolder folder;
    folder.mailbox = *mailbox;
    folder.uidvalidity = uidvalidity_from_identity(state->folder_identity);
    for (const ItemMapping& i : *items) {
      uint32_t uid = 0;
      auto [p, ec] =
          std::from_chars(i.backend_id.data(), i.backend_id.data() + i.backend_id.size(), uid);
      if (ec == std::errc() && uid != 0) folder.uids.push_back(uid);
    }
    std::sort(folder.uids.rbegin(), folder.uids.rend());
    m->folders.push_back(std::move(folder));
  }
  m->done = std::move(done);
  find_first(m);
  return false;
}

}  // namespace easgate
