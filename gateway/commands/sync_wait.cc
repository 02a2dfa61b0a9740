#include "gateway/commands/sync_wait.h"

#include <string>

#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/push/ping_request.h"
#include "gateway/push/worker_push.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;

constexpr uint32_t kMinWaitMinutes = 1;   // MS-ASCMD 2.2.3.198: 1 through 59
constexpr uint32_t kMaxWaitMinutes = 59;

std::optional<uint32_t> parse_u32_text(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  return v;
}

WbxmlElement* find_child(WbxmlElement& parent, Tag t) {
  for (auto& c : parent.mutable_children())
    if (c.is(t)) return &c;
  return nullptr;
}

void remove_children(WbxmlElement& parent, Tag t) {
  auto& kids = parent.mutable_children();
  std::erase_if(kids, [t](const WbxmlElement& e) { return e.is(t); });
}

// The request as cached: client commands stripped (never replayed), no Partial.
WbxmlDocument cacheable(const WbxmlDocument& doc) {
  WbxmlDocument out = doc;
  remove_children(out.root, as::kPartial);
  if (WbxmlElement* list = find_child(out.root, as::kCollections)) {
    for (auto& c : list->mutable_children()) remove_children(c, as::kCommands);
  }
  return out;
}

// MS-ASCMD 2.2.3.124 Partial: the collections sent replace the cached ones with the same
// CollectionId, others are added; Wait/HeartbeatInterval/WindowSize sent replace the cached.
WbxmlDocument merge_partial(const WbxmlDocument& cached, const WbxmlDocument& partial) {
  WbxmlDocument out = cached;
  WbxmlElement& root = out.root;
  if (find_child(root, as::kCollections) == nullptr) root.add_child(as::kCollections);
  if (const WbxmlElement* sent = partial.root.child(as::kCollections)) {
    for (const WbxmlElement* c : sent->children_named(as::kCollection)) {
      WbxmlElement& list = *find_child(root, as::kCollections);
      std::string_view id = c->child_text(as::kCollectionId);
      bool replaced = false;
      for (auto& have : list.mutable_children()) {
        if (have.child_text(as::kCollectionId) == id) {
          have = *c;
          replaced = true;
          break;
        }
      }
      if (!replaced) list.mutable_children().push_back(*c);
    }
  }
  bool new_wait = partial.root.child(as::kWait) || partial.root.child(as::kHeartbeatInterval);
  if (new_wait) {
    remove_children(root, as::kWait);
    remove_children(root, as::kHeartbeatInterval);
  }
  for (Tag t : {as::kWait, as::kHeartbeatInterval, as::kWindowSize}) {
    if (const WbxmlElement* e = partial.root.child(t)) {
      remove_children(root, t);
      root.mutable_children().push_back(*e);
    }
  }
  return out;
}

}  // namespace

SyncPlan plan_sync_request(RequestContext& request) {
  SyncPlan plan;
  WorkerPush* push = request.services.push;
  const std::string& user = request.credentials.user;
  const std::string& device_id = request.eas->device_id;
  std::optional<WbxmlDocument> cached;
  // Only an empty or Partial request needs the cached one; a full request replaces it.
  bool needs_cache = !request.body || (request.body->root.is(as::kSync) &&
                                       request.body->root.child(as::kPartial) != nullptr);
  if (push != nullptr && needs_cache)
    cached = push->hub().cached_sync(user, device_id, request.services.store);
  if (!request.body) {
    // MS-ASCMD 2.2.1.21.1: an empty Sync request repeats the cached one.
    if (!cached) {
      plan.status = kSyncIncompleteRequest;
      return plan;
    }
    plan.document = std::move(*cached);
  } else if (request.body->root.is(as::kSync) && request.body->root.child(as::kPartial)) {
    // MS-ASCMD 2.2.3.177.17 Status 13: Partial without a cached request to complete.
    if (!cached) {
      plan.status = kSyncIncompleteRequest;
      return plan;
    }
    plan.document = merge_partial(*cached, *request.body);
  } else {
    plan.document = *request.body;
  }
  const WbxmlElement& root = plan.document.root;
  const WbxmlElement* wait = root.is(as::kSync) ? root.child(as::kWait) : nullptr;
  const WbxmlElement* heartbeat =
      root.is(as::kSync) ? root.child(as::kHeartbeatInterval) : nullptr;
  if (wait && heartbeat) {
    plan.status = kSyncProtocolError;  // MS-ASCMD 2.2.3.198: not both
    return plan;
  }
  PingLimits limits = push ? push->hub().limits() : PingLimits{};
  if (wait) {
    auto minutes = parse_u32_text(wait->text());
    if (!minutes) {
      plan.status = kSyncProtocolError;
      return plan;
    }
    // Both the spec's 1..59 minutes and the configured heartbeat bounds apply.
    uint32_t min = std::max(kMinWaitMinutes, (limits.min_heartbeat_seconds + 59) / 60);
    uint32_t max = std::min(kMaxWaitMinutes, limits.max_heartbeat_seconds / 60);
    if (*minutes < min || *minutes > max) {
      plan.status = kSyncInvalidWait;
      plan.limit = *minutes < min ? min : max;
      return plan;
    }
    plan.hold_seconds = *minutes * 60;
  } else if (heartbeat) {
    auto seconds = parse_u32_text(heartbeat->text());
    if (!seconds) {
      plan.status = kSyncProtocolError;
      return plan;
    }
    if (*seconds < limits.min_heartbeat_seconds || *seconds > limits.max_heartbeat_seconds) {
      plan.status = kSyncInvalidWait;
      plan.limit = *seconds < limits.min_heartbeat_seconds ? limits.min_heartbeat_seconds
                                                           : limits.max_heartbeat_seconds;
      return plan;
    }
    plan.hold_seconds = *seconds;
  }
  if (push != nullptr && root.is(as::kSync))
    push->hub().cache_sync(user, device_id, cacheable(plan.document), request.services.store,
                           request.services.clock->wall_now());
  return plan;
}

void reply_sync_plan_error(RequestContext& request, const SyncPlan& plan) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(as::kSync);
  doc.root.add_text(as::kStatus, std::to_string(plan.status));
  // MS-ASCMD 2.2.3.97 Limit: the bound the request crossed.
  if (plan.status == kSyncInvalidWait) doc.root.add_text(as::kLimit, std::to_string(plan.limit));
  request.reply_wbxml(doc, plan.status);
}

bool sync_found_nothing(const SyncRequest& sync, const std::vector<WbxmlElement>& results) {
  if (results.size() != sync.collections.size()) return false;
  for (size_t i = 0; i < results.size(); ++i) {
    const SyncCollectionRequest& req = sync.collections[i];
    if (!req.sync_key || *req.sync_key == 0) return false;
    if (!req.changes.empty() || !req.deletes.empty() || !req.fetches.empty() || !req.adds.empty())
      return false;
    for (const WbxmlElement& e : results[i].children()) {
      if (e.is(as::kClass) || e.is(as::kCollectionId)) continue;
      if (e.is(as::kSyncKey) && e.text() == req.sync_key_text) continue;
      if (e.is(as::kStatus) && e.text() == "1") continue;
      return false;  // a new SyncKey, Commands, Responses, MoreAvailable, an error
    }
  }
  return true;
}

void update_cached_sync_keys(RequestContext& request, const std::vector<WbxmlElement>& results) {
  WorkerPush* push = request.services.push;
  if (push == nullptr) return;
  auto cached = push->hub().cached_sync(request.credentials.user, request.eas->device_id);
  if (!cached) return;
  WbxmlDocument doc = std::move(*cached);
  WbxmlElement* list = find_child(doc.root, as::kCollections);
  if (list == nullptr) return;
  for (const WbxmlElement& r : results) {
    std::string_view key = r.child_text(as::kSyncKey);
    if (key.empty() || r.child_text(as::kStatus) != "1") continue;
    for (auto& c : list->mutable_children()) {
      if (c.child_text(as::kCollectionId) != r.child_text(as::kCollectionId)) continue;
      if (WbxmlElement* k = find_child(c, as::kSyncKey)) k->set_text(std::string(key));
    }
  }
  push->hub().cache_sync(request.credentials.user, request.eas->device_id, std::move(doc),
                         request.services.store, request.services.clock->wall_now());
}

bool hold_sync(const std::shared_ptr<RequestContext>& request, const SyncRequest& sync,
               const std::vector<FolderEntry>& folders, uint32_t seconds,
               std::function<void()> rerun) {
  WorkerPush* push = request->services.push;
  if (push == nullptr) return false;
  std::vector<WatchedFolder> watched;
  for (const SyncCollectionRequest& c : sync.collections) {
    const FolderEntry* entry = nullptr;
    for (const FolderEntry& f : folders)
      if (f.server_id == c.collection_id) entry = &f;
    if (entry == nullptr) return false;
    WatchedFolder w;
    w.id = c.collection_id;
    const std::string& ref = entry->backend_ref;
    if (ref.rfind("imap:", 0) == 0) {
      w.backend = FolderBackend::kMail;
      w.ref = ref.substr(5);
    } else if (ref.rfind("dav:", 0) == 0) {
      w.backend = FolderBackend::kDav;
      w.ref = ref.substr(4);
    } else {
      return false;
    }
    watched.push_back(std::move(w));
  }
  std::weak_ptr<RequestContext> weak = request;
  auto on_end = [weak, rerun = std::move(rerun)](int status, std::vector<std::string>) {
    auto r = weak.lock();
    if (!r) return;
    if (status == kPingChanges || status == kPingFolderSyncNeeded) {
      rerun();  // the engine reports what changed (or Status 12 for a vanished folder)
      return;
    }
    // MS-ASCMD 2.2.1.21.2: the interval ended (or a newer request came): empty response.
    r->reply(HttpResponse{}, kSyncSuccess);
  };
  push->hold(request, seconds, std::move(watched), std::move(on_end), "Sync");
  return true;
}

}  // namespace easgate
