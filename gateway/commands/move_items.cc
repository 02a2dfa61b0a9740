#include "gateway/commands/move_items.h"

#include <map>

#include "backends/api/mail_store.h"
#include "gateway/commands/mail_item_ref.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {
namespace {

namespace mv = tag::move;

// One Move element and its outcome.
struct MoveOne {
  std::string src_msg_id;  // SrcMsgId as sent
  std::string src_fld_id;  // SrcFldId as sent
  std::string dst_fld_id;  // DstFldId as sent
  int status = 0;          // 0 until decided
  std::string dst_msg_id;  // DstMsgId on success
  uint32_t uid = 0;        // source UID once resolved
};

// Items that move from one folder to another in one IMAP command.
struct MoveGroup {
  MailboxRef from;                // source folder
  std::string to;                 // destination IMAP name
  std::vector<size_t> indices;    // which MoveOne entries
};

struct MoveRun {
  std::shared_ptr<RequestContext> request;
  DeviceKey device;
  std::vector<MoveOne> moves;
  std::vector<MoveGroup> groups;
  size_t next_group = 0;
};

void respond(const std::shared_ptr<MoveRun>& run) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(mv::kMoveItems);
  for (const auto& m : run->moves) {
    WbxmlElement& r = doc.root.add_child(mv::kResponse);
    r.add_text(mv::kSrcMsgId, m.src_msg_id);
    r.add_text(mv::kStatus, std::to_string(m.status));
    if (m.status == kMoveSuccess && !m.dst_msg_id.empty()) r.add_text(mv::kDstMsgId, m.dst_msg_id);
  }
  run->request->reply_wbxml(doc, kMoveSuccess);
}

// Records where the moved items are now, so neither collection's next Sync reports them.
void remap(const std::shared_ptr<MoveRun>& run, const MoveGroup& group,
           const MessageMoveResult& moved) {
  StateStore& store = *run->request->services.store;
  std::map<uint32_t, uint32_t> new_uid(moved.uids.begin(), moved.uids.end());
  for (size_t i : group.indices) {
    MoveOne& m = run->moves[i];
    m.status = kMoveSuccess;
    ItemMapUpdate removal;
    removal.remove_server_ids.push_back(m.src_msg_id);
    CollectionKey src{run->device.user_id, run->device.device_id, m.src_fld_id};
    if (Status s = store.map_items(src, removal).status(); !s) {
      log_warn("move_items").msg("source item map not updated").kv("error", s.to_string());
    }
    auto it = new_uid.find(m.uid);
    if (it == new_uid.end()) {
      run->request->services.metrics->record_degraded("move_without_copyuid");
      if (first_time_for_cause("move_items.no_copyuid")) {
        log_warn("move_items").msg("server did not say where moved messages went (no UIDPLUS)");
      }
      continue;
    }
    ItemMapUpdate addition;
    addition.add_backend_ids.push_back(std::to_string(it->second));
    CollectionKey dst{run->device.user_id, run->device.device_id, m.dst_fld_id};
    auto ids = store.map_items(dst, addition);
    if (ids.is_ok() && ids->size() == 1) {
      m.dst_msg_id = (*ids)[0];
    } else {
      // The destination was never synced: its first Sync numbers everything afresh, so
      // this id only has to be unique until then.
      m.dst_msg_id = m.dst_fld_id + ":u" + std::to_string(it->second);
    }
  }
}

void run_next_group(const std::shared_ptr<MoveRun>& run) {
  if (run->next_group == run->groups.size()) {
    respond(run);
    return;
  }
  const MoveGroup& group = run->groups[run->next_group];
  std::vector<uint32_t> uids;
  for (size_t i : group.indices) uids.push_back(run->moves[i].uid);
  RequestContext& request = *run->request;
  request.services.mail_store->move_messages(
      request.credentials, group.from, uids, group.to,
      [run](Result<MessageMoveResult> moved) {
        const MoveGroup& g = run->groups[run->next_group];
        if (moved.is_ok()) {
          remap(run, g, *moved);
        } else {
          ErrorKind k = moved.status().kind();
          int status = k == ErrorKind::kConflict || k == ErrorKind::kNotFound ? kMoveInvalidSource
                                                                               : kMoveFailed;
          log_info("move_items").msg("IMAP move failed")
              .kv("user", run->request->credentials.user)
              .kv("error", moved.status().to_string());
          for (size_t i : g.indices) run->moves[i].status = status;
        }
        ++run->next_group;
        run_next_group(run);
      });
}

}  // namespace

void MoveItemsHandler::handle(std::shared_ptr<RequestContext> request) {
  if (!request->body || !request->body->root.is(mv::kMoveItems)) {
    request->reply_error(Status::malformed("MoveItems expected"));
    return;
  }
  auto run = std::make_shared<MoveRun>();
  run->request = request;
  run->device = DeviceKey{request->credentials.user, request->eas->device_id};
  StateStore& store = *request->services.store;
  std::map<std::pair<std::string, std::string>, size_t> group_of;  // (src, dst) -> group
  for (const WbxmlElement* e : request->body->root.children_named(mv::kMove)) {
    MoveOne m;
    m.src_msg_id = std::string(e->child_text(mv::kSrcMsgId));
    m.src_fld_id = std::string(e->child_text(mv::kSrcFldId));
    m.dst_fld_id = std::string(e->child_text(mv::kDstFldId));
    run->moves.push_back(m);
  }
  if (run->moves.empty()) {
    request->reply_error(Status::malformed("MoveItems without Move"));
    return;
  }
  for (size_t i = 0; i < run->moves.size(); ++i) {
    MoveOne& m = run->moves[i];
    if (m.src_fld_id == m.dst_fld_id) {
      m.status = kMoveSameFolder;
      continue;
    }
    auto src = resolve_mail_item(store, run->device, m.src_fld_id, m.src_msg_id);
    if (!src.is_ok()) {
      m.status = src.status().kind() == ErrorKind::kUnsupported ? kMoveFailed : kMoveInvalidSource;
      continue;
    }
    auto dst = find_folder(store, run->device, m.dst_fld_id);
    auto dst_box = dst.is_ok() ? imap_mailbox_of(*dst) : std::nullopt;
    if (!dst_box) {
      m.status = kMoveInvalidDestination;
      continue;
    }
    m.uid = src->uid;
    auto key = std::make_pair(m.src_fld_id, m.dst_fld_id);
    auto it = group_of.find(key);
    if (it == group_of.end()) {
      it = group_of.emplace(key, run->groups.size()).first;
      run->groups.push_back(MoveGroup{src->mailbox, *dst_box, {}});
    }
    run->groups[it->second].indices.push_back(i);
  }
  run_next_group(run);
}

}  // namespace easgate
