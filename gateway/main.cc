// easgate: the Exchange ActiveSync gateway.
//   easgate --config FILE         serve
//   easgate --check-config FILE   validate FILE, print every error with its line, exit
//   easgate --version

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gateway/auth/caching_authenticator.h"
#include "gateway/config/config_loader.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/net/worker_pool.h"
#include "gateway/push/imap_watch_setup.h"
#include "gateway/push/push_endpoint.h"
#include "gateway/push/push_hub.h"
#include "gateway/server/admin_endpoint.h"
#include "gateway/server/per_worker_handler.h"
#include "gateway/server/worker_context.h"
#include "gateway/store/sqlite/sqlite_state_store.h"

namespace easgate {
namespace {

constexpr const char* kVersion = "0.1.0";

// Set when a worker could not build its backends; the process then exits non-zero.
std::atomic<bool> g_worker_failed{false};

int usage(std::ostream& out, int code) {
  out << "usage: easgate --config FILE\n"
         "       easgate --check-config FILE\n"
         "       easgate --version\n";
  return code;
}

Http1Limits limits_from(const ServerLimits& l) {
  Http1Limits out;
  out.max_header_bytes = l.max_header_bytes;
  out.max_body_bytes = l.max_body_bytes;
  out.header_timeout = l.header_timeout;
  out.body_timeout = l.body_timeout;
  out.idle_timeout = l.idle_timeout;
  out.write_timeout = l.write_timeout;
  return out;
}

// easgate_connections_open{listener}, fed by every worker's sessions.
class ConnectionGauge final : public ConnectionObserver {
 public:
  explicit ConnectionGauge(Metrics& metrics) : metrics_(metrics) {}
  void connection_opened(std::string_view listener) override {
    metrics_.connection_opened(listener);
  }
  void connection_closed(std::string_view listener) override {
    metrics_.connection_closed(listener);
  }

 private:
  Metrics& metrics_;
};

PingLimits ping_limits_from(const PingConfig& p) {
  PingLimits l;
  l.min_heartbeat_seconds = static_cast<uint32_t>(p.min_heartbeat.count() / 1000);
  l.max_heartbeat_seconds = static_cast<uint32_t>(p.max_heartbeat.count() / 1000);
  l.max_folders = p.max_folders;
  return l;
}

// Every held Ping is a socket: raise the soft descriptor limit to the hard one.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    log_info("main").msg("raised the open file limit").kv("from", static_cast<uint64_t>(before))
        .kv("to", static_cast<uint64_t>(limit.rlim_max));
  }
}

// SIGHUP: what may change at runtime without dropping held requests: the Ping bounds and
// the log level. Everything else (listeners, backends, store) needs a restart.
void reload_runtime_settings(const std::string& config_path, PushHub& hub) {
  auto loaded = load_config(config_path);
  if (!loaded.is_ok()) {
    log_error("main").msg("config reload failed; keeping the running settings")
        .kv("error", loaded.status().message());
    return;
  }
  hub.set_limits(ping_limits_from(loaded->eas.ping));
  // Re-opens the log file too (logrotate sends SIGHUP after moving it).
  if (!log_configure(loaded->log.level, loaded->log.file)) {
    log_error("main").msg("cannot reopen the log file").kv("path", loaded->log.file);
  }
  log_info("main").msg("config reloaded (ping bounds, log level)");
}

int serve(const std::string& config_path) {
  auto loaded = load_config(config_path);
  if (!loaded.is_ok()) {
    // load_config's message already lists every error with file, line and key.
    std::cerr << loaded.status().message() << "\n";
    return 2;
  }
  const GatewayConfig config = std::move(loaded.value());
  if (!log_configure(config.log.level, config.log.file)) {
    std::cerr << config.log.file << ": cannot open log file: " << strerror(errno) << "\n";
    return 2;
  }

  raise_fd_limit();

  // Signals are taken by this thread with sigwait; workers inherit the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Create and migrate the store once, here, so workers opening it at the same moment
  // never race on the schema or the WAL switch, and a bad store stops start-up before
  // any port is open.
  {
    auto store = open_sqlite_state_store(config.store.path);
    if (!store.is_ok()) {
      log_error("main").msg("cannot open the state store").kv("path", config.store.path)
          .kv("error", store.status().to_string());
      return 1;
    }
  }

  Metrics metrics(kVersion);
  SharedServices shared;
  shared.config = &config;
  shared.metrics = &metrics;
  shared.clock = &SystemClock::instance();
  shared.auth_cache = std::make_shared<AuthVerdictCache>(SystemClock::instance(),
                                                         config.auth.cache_ttl);

  ConnectionGauge connection_gauge(metrics);
  const int workers = static_cast<int>(config.server.workers);
  auto eas_router = std::make_shared<PerWorkerHandler>(workers);
  PushHub push_hub(static_cast<size_t>(workers), ping_limits_from(config.eas.ping));
  push_hub.set_metrics(&metrics);
  // push.imap_watch: one IMAP NOTIFY/IDLE watch per user for the whole process.
  auto imap_watches = start_imap_watch_registry(config, push_hub, &metrics);
  if (!imap_watches.is_ok()) {
    log_error("main").msg("cannot start the IMAP watch")
        .kv("error", imap_watches.status().to_string());
    return 1;
  }
  shared.imap_watches = imap_watches.value().get();
  // The admin listener also takes Dovecot's push notifications (/push/dovecot).
  auto admin = std::make_shared<PushEndpoint>(push_hub, config.push.endpoint_secret,
                                              config.auth.default_domain,
                                              std::make_shared<AdminEndpoint>(metrics, config));

  WorkerPoolConfig pool_config;
  pool_config.workers = workers;
  pool_config.drain_timeout = config.push.drain_timeout;
  for (const ListenerSettings& l : config.server.listeners) {
    ListenerConfig listener;
    listener.name = l.name;
    listener.address = l.address;
    listener.port = l.port;
    if (l.tls) listener.tls = TlsConfig{l.tls->cert_file, l.tls->key_file};
    listener.handler = l.role == ListenerRole::kEas ? std::shared_ptr<HttpHandler>(eas_router)
                                                    : std::shared_ptr<HttpHandler>(admin);
    listener.limits = limits_from(config.server.limits);
    listener.observer = &connection_gauge;
    pool_config.listeners.push_back(std::move(listener));
  }
  auto started = WorkerPool::start(std::move(pool_config));
  if (!started.is_ok()) {
    log_error("main").msg("cannot start listeners").kv("error", started.status().to_string());
    return 1;
  }
  std::unique_ptr<WorkerPool> pool = std::move(started.value());

  // Each worker builds its own backends on its own thread.
  for (int i = 0; i < workers; ++i) {
    Worker& worker = pool->worker(static_cast<size_t>(i));
    push_hub.attach_worker(static_cast<size_t>(i),
                           [&worker](std::function<void()> fn) { return worker.post(std::move(fn)); });
    worker.post([&worker, &shared, &push_hub, eas_router, i] {
      auto context = WorkerContext::create(worker.base(), shared);
      if (!context.is_ok()) {
        log_error("main").msg("worker cannot start").kv("worker", i)
            .kv("error", context.status().to_string());
        eas_router->fail_early_requests();
        g_worker_failed.store(true);
        kill(getpid(), SIGTERM);
        return;
      }
      context.value()->start_push(static_cast<size_t>(i), push_hub);
      eas_router->install(i, std::move(context.value()));
    });
    worker.set_on_loop_exit([eas_router, i] { eas_router->uninstall(i); });
  }
  log_info("main").msg("easgate serving").kv("version", kVersion).kv("config", config_path)
      .kv("workers", workers);
  for (const ListenerSettings& l : config.server.listeners) {
    log_info("main").msg("listening").kv("listener", l.name)
        .kv("address", l.address + ":" + std::to_string(l.port)).kv("tls", l.tls ? "on" : "off")
        .kv("role", l.role == ListenerRole::kEas ? "eas" : "admin");
  }

  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      reload_runtime_settings(config_path, push_hub);
      Status reloaded = pool->reload_tls();
      if (reloaded.is_ok()) log_info("main").msg("TLS certificates reloaded");
      else log_error("main").msg("TLS reload failed").kv("error", reloaded.to_string());
      continue;
    }
    log_info("main").msg("stopping").kv("signal", strsignal(signal_number));
    break;
  }
  // Held Pings are answered with Status 1 first (posted before the stop, so each worker
  // answers them before it starts draining), then connections drain within the bound.
  push_hub.end_all();
  pool->stop();
  log_info("main").msg("stopped");
  return g_worker_failed.load() ? 1 : 0;
}

}  // namespace
}  // namespace easgate

int main(int argc, char** argv) {
  using namespace easgate;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--version" || args[0] == "-V")) {
    std::cout << "easgate " << kVersion << "\n";
    return 0;
  }
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) return usage(std::cout, 0);
  if (args.size() == 2 && args[0] == "--check-config") return run_check_config(args[1], std::cout);
  if (args.size() == 2 && args[0] == "--config") return serve(args[1]);
  return usage(std::cerr, 2);
}
