#pragma once
// One worker thread with its own event_base. It owns one SO_REUSEPORT listening socket per
// listener and every connection accepted on them; nothing is shared with other workers
// except what is posted through post().
//
// Thread-safety: base(), index() are immutable; post() and request_stop() may be called
// from any thread (request_stop() also from a signal handler); the rest is for WorkerPool.

#include <event2/event.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/http/http1_session.h"
#include "gateway/net/tls_context.h"

struct evconnlistener;

namespace easgate {

class Worker {
 public:
  // Where the worker is in its life.
  enum class State : uint8_t {
    kCreated,   // event_base built, listeners may be added, thread not started
    kRunning,   // loop thread running and accepting
    kDraining,  // stop requested: not accepting, waiting for connections to finish
    kStopped,   // loop exited; posted closures are dropped
  };

  static Result<std::unique_ptr<Worker>> create(int index, std::chrono::milliseconds drain_timeout);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  int index() const { return index_; }
  // The worker's loop. Use it only from the worker's thread (e.g. inside a handler or a
  // posted closure): libevent is used without locks. Freed when the worker stops, so
  // handlers must free their own events on it before (on_abort or on their own stop).
  event_base* base() const { return base_; }

  // Runs `fn` on the worker's thread soon, in posting order, never inline even when called
  // from the worker itself. Returns false (and drops fn) once the worker has stopped.
  bool post(std::function<void()> fn);

  // Takes ownership of listening socket `fd`; connections on it are served per `config`
  // (TLS when `tls` is set). Only before start().
  Status add_listener(int fd, Http1ServerConfig config, std::shared_ptr<TlsContext> tls);

  Status start();
  // Async-signal-safe: stop accepting, close idle connections, let busy ones finish for up
  // to the drain timeout, then close the rest (held requests see on_abort), exit the loop.
  void request_stop();
  // Blocks until the loop thread has exited. Not from the worker's own thread.
  void join();

  // Runs on the worker's thread after its loop has ended and before the event_base is
  // freed: the place to destroy objects that own events on base(). Any thread, any time
  // before the loop ends.
  void set_on_loop_exit(std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu_);
    on_loop_exit_ = std::move(fn);
  }

  // Connections currently open on this worker (worker thread only).
  size_t connection_count() const { return sessions_.size(); }

 private:
  struct ListenerSlot;

  Worker(int index, event_base* base, std::chrono::milliseconds drain_timeout);
  static void wake_cb(evutil_socket_t fd, short what, void* self);
  static void drain_deadline_cb(evutil_socket_t fd, short what, void* self);
  void run_posted();
  void begin_drain();
  // Frees the listeners, events and the event_base; on the loop thread once it exited.
  void release_loop();

  const int index_;
  event_base* base_;               // null once the loop thread has released it
  const std::chrono::milliseconds drain_timeout_;
  std::function<void()> on_loop_exit_;  // see set_on_loop_exit(); guarded by mu_
  int wake_fd_ = -1;               // eventfd: post() and request_stop() wake the loop
  event* wake_event_ = nullptr;
  event* drain_timer_ = nullptr;   // hard deadline of the graceful stop
  std::vector<std::unique_ptr<ListenerSlot>> listeners_;
  Http1SessionRegistry sessions_;  // worker thread only
  std::atomic<bool> stop_requested_{false};
  std::atomic<State> state_{State::kCreated};
  std::mutex mu_;                                 // guards posted_
  std::vector<std::function<void()>> posted_;
  std::thread thread_;
};

}  // namespace easgate
