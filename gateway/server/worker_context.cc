#include "gateway/server/worker_context.h"

#include "backends/api/collection_store.h"
#include "backends/dav/dav_collection_store.h"
#include "backends/dav/http_client.h"
#include "backends/imap/imap_authenticator.h"
#include "backends/imap/imap_mail_store.h"
#include "backends/imap/imap_session_pool.h"
#include "backends/smtp/smtp_mail_submitter.h"
#include "gateway/auth/caching_authenticator.h"
#include "gateway/config/gateway_config.h"
#include "backends/api/change_watcher.h"
#include "gateway/push/imap_watch_registry.h"
#include "gateway/push/push_hub.h"
#include "gateway/push/worker_push.h"
#include "gateway/server/eas_endpoint.h"
#include "gateway/server/metered_backends.h"
#include "gateway/store/sqlite/sqlite_state_store.h"

namespace easgate {
namespace {

// Without a DAV backend in the config the user simply has no calendars, contacts or tasks.
class NoCollections final : public CollectionStore {
 public:
  explicit NoCollections(event_base* loop) : loop_(loop) {}
  void list_collections(const Credentials&,
                        std::function<void(Result<std::vector<DavCollection>>)> done) override {
    // Never inline (backends/api contract): defer to the loop.
    auto* boxed = new std::function<void(Result<std::vector<DavCollection>>)>(std::move(done));
    event_base_once(
        loop_, -1, EV_TIMEOUT,
        [](evutil_socket_t, short, void* arg) {
          std::unique_ptr<std::function<void(Result<std::vector<DavCollection>>)>> fn(
              static_cast<std::function<void(Result<std::vector<DavCollection>>)>*>(arg));
          (*fn)(std::vector<DavCollection>{});
        },
        boxed, nullptr);
  }
  // No collections exist, so no item or collection can be named: every operation fails.
  void sync_changes(const Credentials&, const std::string&, const std::string&,
                    const std::vector<DavItemRef>&, DavCallback<DavChanges> done) override {
    later([done](Status s) { done(s); });
  }
  void fetch_items(const Credentials&, const std::string&, CollectionKind,
                   const std::vector<std::string>&, DavCallback<std::vector<DavItem>> done) override {
    later([done](Status s) { done(s); });
  }
  void put_item(const Credentials&, const std::string&, DavPut, DavCallback<DavItemRef> done) override {
    later([done](Status s) { done(s); });
  }
  void delete_item(const Credentials&, const std::string&, const std::string&,
                   std::function<void(Status)> done) override {
    later(std::move(done));
  }
  void create_collection(const Credentials&, CollectionKind, const std::string&,
                         DavCallback<DavCollection> done) override {
    later([done](Status s) { done(s); });
  }
  void delete_collection(const Credentials&, const std::string&,
                         std::function<void(Status)> done) override {
    later(std::move(done));
  }
  void update_collection(const Credentials&, const std::string&, const std::string&,
                         std::function<void(Status)> done) override {
    later(std::move(done));
  }
  void freebusy(const Credentials&, const std::string&, std::chrono::sys_seconds,
                std::chrono::sys_seconds, DavCallback<std::vector<BusyInterval>> done) override {
    later([done](Status s) { done(s); });
  }

 private:
  // Calls `done` with kUnsupported on the loop's next turn (never inline).
  void later(std::function<void(Status)> done) {
    auto* boxed = new std::function<void(Status)>(std::move(done));
    event_base_once(
        loop_, -1, EV_TIMEOUT,
        [](evutil_socket_t, short, void* arg) {
          std::unique_ptr<std::function<void(Status)>> fn(
              static_cast<std::function<void(Status)>*>(arg));
          (*fn)(Status::unsupported("no DAV backend is configured"));
        },
        boxed, nullptr);
  }

  event_base* loop_;
};

ImapTlsMode imap_tls(BackendTls tls) {
  switch (tls) {
    case BackendTls::kNone: return ImapTlsMode::kNone;
    case BackendTls::kStartTls: return ImapTlsMode::kStartTls;
    case BackendTls::kImplicit: return ImapTlsMode::kImplicit;
  }
  return ImapTlsMode::kStartTls;
}

}  // namespace

Result<std::unique_ptr<WorkerContext>> WorkerContext::create(event_base* loop,
                                                             const SharedServices& shared) {
  const GatewayConfig& config = *shared.config;
  std::unique_ptr<WorkerContext> w(new WorkerContext());

  if (config.store.driver != StoreDriver::kSqlite) {
    return Status::unsupported("only the sqlite store is implemented");
  }
  auto store = open_sqlite_state_store(config.store.path);
  if (!store.is_ok()) return std::move(store.status()).prefixed("store " + config.store.path);
  w->store_ = std::move(store.value());

  const ImapBackendConfig& imap = config.backends.imap;
  ImapOptions imap_options;
  imap_options.host = imap.host;
  imap_options.port = imap.port;
  imap_options.tls = imap_tls(imap.tls);
  imap_options.connect_timeout = imap.connect_timeout;
  imap_options.command_timeout = imap.command_timeout;
  imap_options.max_sessions_per_user = imap.pool.max_per_user;
  imap_options.max_sessions_total = imap.pool.max_total;
  imap_options.idle_timeout = imap.pool.idle_timeout;
  auto pool = ImapSessionPool::create(loop, imap_options, *shared.clock);
  if (!pool.is_ok()) return std::move(pool.status()).prefixed("imap backend");
  w->imap_pool_ = std::move(pool.value());
  // Metering sits under the cache: only calls that reach the backend are counted as such.
  w->imap_authenticator_ = std::make_shared<MeteredAuthenticator>(
      std::make_shared<ImapAuthenticator>(w->imap_pool_), *shared.metrics, "imap");
  w->authenticator_ =
      std::make_unique<CachingAuthenticator>(loop, shared.auth_cache, w->imap_authenticator_);
  w->mail_store_ = std::make_unique<MeteredMailStore>(
      std::make_unique<ImapMailStore>(w->imap_pool_), *shared.metrics, "imap");

  if (config.backends.dav) {
    w->dav_http_ = std::make_unique<HttpClient>(loop);
    DavOptions dav;
    dav.base_url = config.backends.dav->base_url;
    dav.login_mode = config.backends.dav->login == DavLogin::kLocalPart
                         ? DavLoginMode::kLocalPart
                         : DavLoginMode::kFullAddress;
    dav.timeout = config.backends.dav->timeout;
    w->collection_store_ = std::make_unique<MeteredCollectionStore>(
        std::make_unique<DavCollectionStore>(w->dav_http_.get(), dav), *shared.metrics, "dav");
  } else {
    w->collection_store_ = std::make_unique<NoCollections>(loop);
  }

  const SmtpBackendConfig& smtp = config.backends.smtp;
  SmtpOptions smtp_options;
  smtp_options.host = smtp.host;
  smtp_options.port = smtp.port;
  smtp_options.tls = smtp.tls == BackendTls::kNone       ? SmtpTlsMode::kNone
                     : smtp.tls == BackendTls::kImplicit ? SmtpTlsMode::kImplicit
                                                         : SmtpTlsMode::kStartTls;
  smtp_options.timeout = smtp.timeout;
  auto submitter = SmtpMailSubmitter::create(loop, smtp_options);
  if (!submitter.is_ok()) return std::move(submitter.status()).prefixed("smtp backend");
  w->mail_submitter_ = std::make_unique<MeteredMailSubmitter>(std::move(submitter.value()),
                                                              *shared.metrics, "smtp");

  WorkerServices& s = w->services_;
  s.loop = loop;
  s.config = shared.config;
  s.metrics = shared.metrics;
  s.clock = shared.clock;
  s.store = w->store_.get();
  s.authenticator = w->authenticator_.get();
  s.mail_store = w->mail_store_.get();
  s.collection_store = w->collection_store_.get();
  s.mail_submitter = w->mail_submitter_.get();
  s.default_domain = config.auth.default_domain;
  w->imap_watches_ = shared.imap_watches;
  w->eas_endpoint_ = std::make_unique<EasEndpoint>(s);
  return w;
}

void WorkerContext::start_push(size_t index, PushHub& hub) {
  push_hub_ = &hub;
  push_index_ = index;
  if (imap_watches_ != nullptr) {
    // This worker's Pings subscribe to the process-wide per-user watch; its notices come
    // back to this loop through the hub.
    PushHub* hub_ptr = &hub;
    change_watcher_ = std::make_unique<RegistryChangeWatcher>(
        *imap_watches_,
        [hub_ptr, index](std::function<void()> fn) { hub_ptr->post(index, std::move(fn)); });
  }
  push_ = std::make_unique<WorkerPush>(index, services_, hub, change_watcher_.get());
  services_.push = push_.get();
  hub.set_worker_push(index, push_.get());
}

WorkerContext::~WorkerContext() {
  // Held Pings first (they hold requests and backend callbacks), then handlers (they
  // reference the services), then the backends, then the store.
  if (push_hub_ != nullptr) push_hub_->set_worker_push(push_index_, nullptr);
  services_.push = nullptr;
  push_.reset();
  change_watcher_.reset();
  eas_endpoint_.reset();
  collection_store_.reset();
  mail_submitter_.reset();
  dav_http_.reset();
  mail_store_.reset();
  authenticator_.reset();
  imap_authenticator_.reset();
  imap_pool_.reset();
  store_.reset();
}

}  // namespace easgate
