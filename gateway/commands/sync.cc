#include "gateway/commands/sync.h"

#include <algorithm>
#include <utility>

#include "gateway/commands/sync_dav.h"
#include "gateway/commands/sync_email.h"
#include "gateway/commands/sync_wait.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"
#include "gateway/sync/folder_hierarchy.h"
#include "gateway/sync/sync_request.h"

namespace easgate {
namespace {

namespace as = tag::air_sync;

constexpr uint32_t kDefaultWindowSize = 100;  // MS-ASCMD 2.2.3.199: default 100
constexpr uint32_t kMaxWindowSize = 512;      // MS-ASCMD 2.2.3.199: at most 512
constexpr size_t kMaxCollections = 1000;      // Status 15 beyond this (MS-ASCMD 2.2.3.177.17)
constexpr std::string_view kImapRef = "imap:";

void reply_status(const std::shared_ptr<RequestContext>& request, int status) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(as::kSync);
  doc.root.add_text(as::kStatus, std::to_string(status));
  request->reply_wbxml(doc, status);
}

// Runs the collections one after the other and answers when the last is done.
struct SyncRun {
  std::shared_ptr<RequestContext> request;
  SyncRequest sync;
  std::vector<FolderEntry> folders;
  std::vector<WbxmlElement> results;
  uint32_t window_left = 0;  // top-level WindowSize shared by the collections (14.1+)
  uint32_t hold_seconds = 0;  // Wait / HeartbeatInterval: hold when nothing is found
};

const FolderEntry* find_folder(const std::vector<FolderEntry>& folders, std::string_view id) {
  for (const auto& f : folders)
    if (f.server_id == id) return &f;
  return nullptr;
}

// MS-ASPROV 2.2.2.44 MaxEmailAgeFilter: the device may ask for less, never for more.
int clamp_filter(int requested, uint32_t policy_max) {
  if (requested < 0 || requested > 5) requested = 0;
  if (policy_max == 0) return requested;
  if (requested == 0) return static_cast<int>(policy_max);
  return std::min(requested, static_cast<int>(policy_max));
}

void run_next(const std::shared_ptr<SyncRun>& run);

void finish(const std::shared_ptr<SyncRun>& run) {
  // Direct Push (sync_wait.h): nothing to send yet, so wait for a change and run again.
  uint32_t hold = std::exchange(run->hold_seconds, 0);
  if (hold > 0 && sync_found_nothing(run->sync, run->results) &&
      hold_sync(run->request, run->sync, run->folders, hold, [run] {
        run->results.clear();
        run->window_left = run->sync.window_size.value_or(kDefaultWindowSize);
        run_next(run);
      }))
    return;
  update_cached_sync_keys(*run->request, run->results);
  WbxmlDocument doc;
  doc.root = WbxmlElement(as::kSync);
  WbxmlElement& list = doc.root.add_child(as::kCollections);
  for (auto& c : run->results) list.mutable_children().push_back(std::move(c));
  run->request->reply_wbxml(doc, kSyncSuccess);
}

void run_next(const std::shared_ptr<SyncRun>& run) {
  if (!run->request->client_alive()) return;
  size_t i = run->results.size();
  if (i == run->sync.collections.size()) return finish(run);
  SyncCollectionRequest& req = run->sync.collections[i];
  const FolderEntry* folder = find_folder(run->folders, req.collection_id);
  if (!folder) {
    // MS-ASCMD 2.2.3.177.17 Status 12: the folder hierarchy changed; FolderSync first.
    run->results.push_back(sync_collection_status(req, kSyncHierarchyChanged));
    return run_next(run);
  }
  RequestContext& request = *run->request;
  if (folder->backend_ref.rfind(kImapRef, 0) != 0) {
    // Calendar, contacts and tasks collections: the DAV engine (issue 5); anything else
    // (notes) cannot be synced yet.
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      request.services.clock->wall_now().time_since_epoch()).count();
    auto dav = dav_target_for_folder(*folder, req, now);
    if (!dav) {
      run->results.push_back(sync_collection_status(req, kSyncProtocolError));
      return run_next(run);
    }
    uint32_t dav_window = req.window_size.value_or(run->window_left);
    dav->window_size = dav_window == 0 ? kDefaultWindowSize : std::min(dav_window, kMaxWindowSize);
    sync_dav_collection(run->request, req, std::move(*dav), [run](WbxmlElement result) {
      run->results.push_back(std::move(result));
      run_next(run);
    });
    return;
  }
  EmailCollectionTarget target;
  target.mailbox = folder->backend_ref.substr(kImapRef.size());
  target.drafts = folder->type == kFolderTypeDrafts;
  target.inbox = folder->type == kFolderTypeInbox;
  for (const auto& f : run->folders)
    if (f.type == kFolderTypeDeletedItems && f.backend_ref.rfind(kImapRef, 0) == 0)
      target.trash_mailbox = f.backend_ref.substr(kImapRef.size());
    else if (f.type == kFolderTypeSentItems && f.backend_ref.rfind(kImapRef, 0) == 0)
      target.sent_mailbox = f.backend_ref.substr(kImapRef.size());
  const WbxmlElement* options = req.options ? &*req.options : nullptr;
  target.options = parse_email_options(options, request.eas->version);
  target.options.user_addresses.push_back(request.credentials.user);
  const ProvisioningPolicy& policy =
      effective_policy(request.services.config->governance, request.credentials.user);
  apply_policy(policy, &target.options);
  int filter = clamp_filter(req.filter_type, policy.max_email_age_filter);
  if (int64_t age = filter_type_age_seconds(filter); age > 0) {
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      request.services.clock->wall_now().time_since_epoch()).count();
    target.since = now - age;
  }
  uint32_t window = req.window_size.value_or(run->window_left);
  if (window == 0 || window > kMaxWindowSize) window = window == 0 ? kDefaultWindowSize : kMaxWindowSize;
  target.window_size = window;
  sync_email_collection(run->request, req, std::move(target), [run](WbxmlElement result) {
    run->results.push_back(std::move(result));
    run_next(run);
  });
}

}  // namespace

void SyncHandler::handle(std::shared_ptr<RequestContext> request) {
  // Empty request, Partial, Wait / HeartbeatInterval (sync_wait.h).
  SyncPlan plan = plan_sync_request(*request);
  if (plan.status != 0) {
    reply_sync_plan_error(*request, plan);
    return;
  }
  auto parsed = parse_sync_request(plan.document);
  if (!parsed.is_ok()) {
    log_info("sync").msg("bad Sync request").kv("error", parsed.status().message());
    reply_status(request, kSyncProtocolError);
    return;
  }
  if (parsed->partial || parsed->collections.empty()) {
    reply_status(request, kSyncIncompleteRequest);
    return;
  }
  if (parsed->collections.size() > kMaxCollections) {
    reply_status(request, kSyncTooManyCollections);
    return;
  }
  auto hierarchy = request->services.store->load_current_folder_hierarchy(
      DeviceKey{request->credentials.user, request->eas->device_id});
  auto run = std::make_shared<SyncRun>();
  run->request = request;
  if (hierarchy.is_ok()) {
    run->folders = std::move(hierarchy->folders);
  } else if (hierarchy.status().kind() != ErrorKind::kNotFound) {
    request->reply_error(hierarchy.status());
    return;
  }
  run->sync = std::move(parsed).value();
  run->window_left = run->sync.window_size.value_or(kDefaultWindowSize);
  run->hold_seconds = plan.hold_seconds;
  run_next(run);
}

}  // namespace easgate
