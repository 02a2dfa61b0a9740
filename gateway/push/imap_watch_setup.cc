#include "gateway/push/imap_watch_setup.h"

#include "backends/imap/imap_notify_watcher.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/log.h"

namespace easgate {

Result<std::unique_ptr<ImapWatchRegistry>> start_imap_watch_registry(const GatewayConfig& config,
                                                                     PushHub& hub,
                                                                     Metrics* metrics) {
  if (config.push.imap_watch == ImapWatchMode::kOff) {
    return std::unique_ptr<ImapWatchRegistry>();
  }
  const ImapBackendConfig& imap = config.backends.imap;
  ImapWatchOptions options;
  options.imap.host = imap.host;
  options.imap.port = imap.port;
  options.imap.tls = imap.tls == BackendTls::kNone       ? ImapTlsMode::kNone
                     : imap.tls == BackendTls::kImplicit ? ImapTlsMode::kImplicit
                                                         : ImapTlsMode::kStartTls;
  options.imap.connect_timeout = imap.connect_timeout;
  options.imap.command_timeout = imap.command_timeout;
  // kNotify falls back to IDLE by itself when the server lacks NOTIFY.
  options.prefer_notify = config.push.imap_watch == ImapWatchMode::kNotify;
  auto factory = [options](event_base* loop) -> Result<std::unique_ptr<ChangeWatcher>> {
    auto watcher = ImapNotifyWatcher::create(loop, options);
    if (!watcher.is_ok()) return std::move(watcher.status());
    return std::unique_ptr<ChangeWatcher>(std::move(watcher.value()));
  };
  auto registry = ImapWatchRegistry::start(factory, hub, metrics, config.push.imap_watch_linger);
  if (!registry.is_ok()) return std::move(registry.status()).prefixed("imap watch");
  registry.value()->set_wanted_mode(options.prefer_notify ? ChangeFeedMode::kNotify
                                                          : ChangeFeedMode::kIdle);
  log_info("imap_watch")
      .msg("IMAP change watch enabled")
      .kv("mode", options.prefer_notify ? "notify" : "idle");
  return registry;
}

}  // namespace easgate
