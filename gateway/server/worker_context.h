#pragma once
// What one worker thread owns: its store connection, its IMAP session pool, its DAV
// client, its authenticator and its EAS endpoint. Built and destroyed on that worker's
// own thread (libevent objects must not cross loops).

#include <memory>

#include "gateway/core/status.h"
#include "gateway/http/http_message.h"
#include "gateway/pipeline/worker_services.h"

struct event_base;

namespace easgate {

class AuthVerdictCache;
class HttpClient;
class ImapSessionPool;
class ChangeWatcher;
class ImapWatchRegistry;
class PushHub;
class WorkerPush;

// Shared by all workers; outlives them.
struct SharedServices {
  const GatewayConfig* config = nullptr;          // validated configuration
  Metrics* metrics = nullptr;                     // thread-safe registry
  const Clock* clock = nullptr;                   // time source
  std::shared_ptr<AuthVerdictCache> auth_cache;   // one credential cache for all workers
  ImapWatchRegistry* imap_watches = nullptr;      // one IMAP watch per user; null: off
};

class WorkerContext {
 public:
  // Call on the worker's own thread, with its loop.
  static Result<std::unique_ptr<WorkerContext>> create(event_base* loop,
                                                       const SharedServices& shared);
  ~WorkerContext();

  HttpHandler& eas_endpoint() { return *eas_endpoint_; }
  // On the worker's thread, after create(): holds Pings of worker `index` through `hub`.
  void start_push(size_t index, PushHub& hub);
  WorkerServices& services() { return services_; }

 private:
  WorkerContext() = default;

  WorkerServices services_;
  std::unique_ptr<StateStore> store_;
  std::shared_ptr<ImapSessionPool> imap_pool_;
  std::shared_ptr<Authenticator> imap_authenticator_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<MailStore> mail_store_;
  std::unique_ptr<HttpClient> dav_http_;
  std::unique_ptr<CollectionStore> collection_store_;
  std::unique_ptr<MailSubmitter> mail_submitter_;
  std::unique_ptr<HttpHandler> eas_endpoint_;
  std::unique_ptr<ChangeWatcher> change_watcher_;  // IMAP NOTIFY/IDLE feeds (push.imap_watch)
  std::unique_ptr<WorkerPush> push_;               // held Pings (gateway/push)
  PushHub* push_hub_ = nullptr;
  size_t push_index_ = 0;
  ImapWatchRegistry* imap_watches_ = nullptr;  // from SharedServices; outlives the worker
};

}  // namespace easgate
