#include "gateway/net/worker_pool.h"

#include <signal.h>
#include <unistd.h>

#include "gateway/core/log.h"
#include "gateway/net/listen_socket.h"

namespace easgate {

Result<std::unique_ptr<WorkerPool>> WorkerPool::start(WorkerPoolConfig config) {
  if (config.workers < 1) return Status::invalid_argument("workers must be at least 1");
  if (config.listeners.empty()) return Status::invalid_argument("no listeners configured");
  std::unique_ptr<WorkerPool> pool(new WorkerPool());
  // libevent writes with writev(2): a peer that vanished must give EPIPE, not kill us.
  signal(SIGPIPE, SIG_IGN);

  for (const ListenerConfig& l : config.listeners) {
    if (!l.handler) return Status::invalid_argument("listener " + l.name + " has no handler");
    std::shared_ptr<TlsContext> tls;
    if (l.tls) {
      Result<std::shared_ptr<TlsContext>> ctx = TlsContext::create(*l.tls);
      if (!ctx) return ctx.status().prefixed("listener " + l.name);
      tls = std::move(ctx.value());
    }
    pool->tls_.push_back(std::move(tls));
    pool->ports_.push_back(l.port);
  }

  for (int i = 0; i < config.workers; ++i) {
    Result<std::unique_ptr<Worker>> worker = Worker::create(i, config.drain_timeout);
    if (!worker) return worker.status();
    for (size_t l = 0; l < config.listeners.size(); ++l) {
      const ListenerConfig& lc = config.listeners[l];
      // With port 0 the first worker's socket picks the port; the others join it.
      Result<int> fd = open_listen_socket(lc.address, pool->ports_[l], lc.backlog);
      if (!fd) return fd.status().prefixed("listener " + lc.name);
      if (pool->ports_[l] == 0) pool->ports_[l] = local_port(*fd);
      Http1ServerConfig server;
      server.handler = lc.handler;
      server.limits = lc.limits;
      server.local_port = pool->ports_[l];
      server.listener_name = lc.name;
      server.observer = lc.observer;
      Status s = (*worker)->add_listener(*fd, std::move(server), pool->tls_[l]);
      if (!s.is_ok()) return std::move(s).prefixed("listener " + lc.name);
    }
    pool->workers_.push_back(std::move(worker.value()));
  }

  for (auto& worker : pool->workers_) {
    Status s = worker->start();
    if (!s.is_ok()) return s;  // ~WorkerPool stops the ones already running
  }
  for (size_t l = 0; l < config.listeners.size(); ++l) {
    log_info("net")
        .msg("listening")
        .kv("listener", config.listeners[l].name)
        .kv("address", config.listeners[l].address)
        .kv("port", static_cast<int>(pool->ports_[l]))
        .kv("tls", pool->tls_[l] ? "yes" : "no")
        .kv("workers", config.workers);
  }
  return pool;
}

WorkerPool::~WorkerPool() { stop(); }

Status WorkerPool::reload_tls() {
  Status first;
  for (auto& tls : tls_) {
    if (!tls) continue;
    Status s = tls->reload();
    if (!s.is_ok() && first.is_ok()) first = std::move(s);
  }
  return first;
}

void WorkerPool::request_stop() {
  for (auto& worker : workers_) worker->request_stop();
}

void WorkerPool::wait() {
  for (auto& worker : workers_) worker->join();
}

}  // namespace easgate
