#include "gateway/commands/ping.h"

#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/push/ping_request.h"
#include "gateway/push/worker_push.h"
#include "gateway/store/state_store.h"

namespace easgate {
namespace {

void reply(const std::shared_ptr<RequestContext>& request, const PingDecision& d) {
  request->reply_wbxml(ping_response(d.status, {}, d.heartbeat_seconds, d.max_folders),
                       d.status);
}

void reply_status(const std::shared_ptr<RequestContext>& request, int status) {
  PingDecision d;
  d.status = status;
  reply(request, d);
}

// "imap:INBOX" -> mail folder INBOX; "dav:/alice/calendar/" -> DAV collection.
bool resolve(const FolderEntry& entry, WatchedFolder* out) {
  const std::string& ref = entry.backend_ref;
  if (ref.rfind("imap:", 0) == 0) {
    out->backend = FolderBackend::kMail;
    out->ref = ref.substr(5);
    return true;
  }
  if (ref.rfind("dav:", 0) == 0) {
    out->backend = FolderBackend::kDav;
    out->ref = ref.substr(4);
    return true;
  }
  return false;
}

}  // namespace

void PingHandler::handle(std::shared_ptr<RequestContext> request) {
  WorkerPush* push = request->services.push;
  if (push == nullptr) {
    reply_status(request, kPingServerError);
    return;
  }
  PushHub& hub = push->hub();
  const std::string& user = request->credentials.user;
  const std::string& device_id = request->eas->device_id;

  auto parsed = parse_ping_request(request->body ? &request->body->root : nullptr);
  if (!parsed) {
    reply_status(request, kPingSyntaxError);
    return;
  }
  request->body.reset();  // a held Ping keeps only what it needs
  // Memory first; a restarted gateway (or another node) reads the stored copy once.
  StateStore* store = request->services.store;
  PingDecision decision =
      decide_ping(*parsed, hub.remembered(user, device_id, store), hub.limits());
  if (decision.status != 0) {
    reply(request, decision);
    return;
  }

  // MS-ASCMD 2.2.3.177.10 Status 7: folders the hierarchy does not know (or no hierarchy
  // at all) mean the client must FolderSync first.
  DeviceKey device{user, device_id};
  auto hierarchy = request->services.store->load_current_folder_hierarchy(device);
  if (!hierarchy.is_ok()) {
    if (hierarchy.status().kind() == ErrorKind::kNotFound) {
      reply_status(request, kPingFolderSyncNeeded);
    } else {
      log_warn("ping").msg("cannot read the folder hierarchy")
          .kv("error", hierarchy.status().to_string());
      reply_status(request, kPingServerError);
    }
    return;
  }
  std::vector<WatchedFolder> folders;
  folders.reserve(decision.folders.size());
  for (const PingFolder& f : decision.folders) {
    const FolderEntry* entry = nullptr;
    for (const FolderEntry& e : hierarchy->folders) {
      if (e.server_id == f.id) {
        entry = &e;
        break;
      }
    }
    WatchedFolder w;
    w.id = f.id;
    if (entry == nullptr || !resolve(*entry, &w)) {
      reply_status(request, kPingFolderSyncNeeded);
      return;
    }
    folders.push_back(std::move(w));
  }
  // Remember only what was accepted (MS-ASCMD 2.2.3.88.1: later Pings may omit them).
  hub.remember(user, device_id, RememberedPing{decision.heartbeat_seconds, decision.folders},
               store, request->services.clock->wall_now());
  push->hold(std::move(request), decision.heartbeat_seconds, std::move(folders));
}

}  // namespace easgate
