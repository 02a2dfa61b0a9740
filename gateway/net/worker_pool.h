#pragma once
// N worker threads, each with its own event_base and its own SO_REUSEPORT socket per
// listener (see worker.h). Build one with WorkerPool::start(); stop it with request_stop()
// (async-signal-safe) + wait(), or stop().
//
//   WorkerPoolConfig config;
//   config.workers = 2;
//   ListenerConfig eas;
//   eas.name = "eas"; eas.address = "0.0.0.0"; eas.port = 443;
//   eas.tls = TlsConfig{"cert.pem", "key.pem"}; eas.handler = eas_handler;
//   config.listeners.push_back(eas);        // + an "admin" listener with its own handler
//   Result<std::unique_ptr<WorkerPool>> pool = WorkerPool::start(std::move(config));
//   ... (*pool)->request_stop() from a SIGTERM handler, then (*pool)->wait().
//
// Thread-safety: bound_port(), worker(), size() are immutable after start(); reload_tls(),
// request_stop() may be called from any thread; wait()/stop() from one non-worker thread.

#include <chrono>
#include <memory>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/net/listener.h"
#include "gateway/net/worker.h"

namespace easgate {

struct WorkerPoolConfig {
  int workers = 1;                                // worker threads (and event_bases)
  std::vector<ListenerConfig> listeners;          // endpoints; every worker serves each
  std::chrono::milliseconds drain_timeout{10'000};  // graceful stop bound per worker
};

class WorkerPool {
 public:
  // Loads TLS contexts, binds every listener once per worker, starts the threads. All
  // configuration and bind errors are reported here; on error nothing keeps running.
  // Sets SIGPIPE to ignored (process-wide): writes to vanished peers must fail, not kill.
  static Result<std::unique_ptr<WorkerPool>> start(WorkerPoolConfig config);
  ~WorkerPool();  // stop()

  // The port listener `index` (order of config.listeners) is bound to; useful with port 0.
  uint16_t bound_port(size_t index) const { return ports_.at(index); }
  size_t size() const { return workers_.size(); }
  Worker& worker(size_t index) { return *workers_.at(index); }

  // Rebuilds every TLS context from its files (SIGHUP): new connections use the new
  // certificate. Returns the first failure; failed listeners keep their old context.
  Status reload_tls();

  // Async-signal-safe: asks every worker to stop (see Worker::request_stop()).
  void request_stop();
  // Blocks until every worker thread has exited.
  void wait();
  void stop() {
    request_stop();
    wait();
  }

 private:
  WorkerPool() = default;

  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<uint16_t> ports_;                     // per listener
  std::vector<std::shared_ptr<TlsContext>> tls_;    // per listener; null for plain
};

}  // namespace easgate
