#include "gateway/net/worker.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gateway/core/log.h"

namespace easgate {
namespace {
constexpr char kComponent[] = "net";
// After accept() fails (EMFILE, ENOBUFS) the listener pauses this long instead of spinning.
constexpr timeval kAcceptRetryDelay{1, 0};
}  // namespace

// One listener on one worker: its socket, the config its sessions point at, its TLS context.
struct Worker::ListenerSlot {
  Worker* worker = nullptr;            // owner
  evconnlistener* listener = nullptr;  // null once the worker stopped accepting
  Http1ServerConfig config;            // sessions keep a pointer to this
  std::shared_ptr<TlsContext> tls;     // null for plain HTTP
  event* retry_timer = nullptr;        // re-enables accepting after an accept error

  static void accept_cb(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int, void* self) {
    auto* slot = static_cast<ListenerSlot*>(self);
    if (addr != nullptr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
      // Responses go out in one write; Nagle would only delay them.
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    event_base* base = slot->worker->base_;
    bufferevent* bev = nullptr;
    if (slot->tls) {
      SSL* ssl = slot->tls->new_ssl();
      if (ssl == nullptr) {
        log_error(kComponent).msg("SSL_new failed; dropping connection");
        evutil_closesocket(fd);
        return;
      }
      bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                           BEV_OPT_CLOSE_ON_FREE);
      if (bev == nullptr) SSL_free(ssl);
    } else {
      bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (bev == nullptr) {
      log_error(kComponent).msg("cannot allocate bufferevent; dropping connection");
      evutil_closesocket(fd);
      return;
    }
    Http1Session::start(bev, addr, &slot->config, &slot->worker->sessions_);
  }

  static void error_cb(evconnlistener* listener, void* self) {
    auto* slot = static_cast<ListenerSlot*>(self);
    int err = EVUTIL_SOCKET_ERROR();
    if (first_time_for_cause("accept_error")) {
      log_warn(kComponent).msg("accept failed; pausing listener").kv("error", strerror(err));
    }
    // A listening socket in error (typically out of file descriptors) stays readable; pause
    // instead of spinning the loop.
    evconnlistener_disable(listener);
    evtimer_add(slot->retry_timer, &kAcceptRetryDelay);
  }

  static void retry_cb(evutil_socket_t, short, void* self) {
    auto* slot = static_cast<ListenerSlot*>(self);
    if (slot->listener != nullptr) evconnlistener_enable(slot->listener);
  }
};

Result<std::unique_ptr<Worker>> Worker::create(int index, std::chrono::milliseconds drain_timeout) {
  event_base* base = event_base_new();
  if (base == nullptr) return Status::internal("event_base_new failed");
  std::unique_ptr<Worker> worker(new Worker(index, base, drain_timeout));
  worker->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (worker->wake_fd_ < 0) return Status::internal(std::string("eventfd: ") + strerror(errno));
  worker->wake_event_ =
      event_new(base, worker->wake_fd_, EV_READ | EV_PERSIST, &Worker::wake_cb, worker.get());
  worker->drain_timer_ = evtimer_new(base, &Worker::drain_deadline_cb, worker.get());
  if (worker->wake_event_ == nullptr || worker->drain_timer_ == nullptr ||
      event_add(worker->wake_event_, nullptr) != 0) {
    return Status::internal("cannot set up worker events");
  }
  Worker* raw = worker.get();
  worker->sessions_.set_on_empty([raw] {
    if (raw->state_.load() == State::kDraining) event_base_loopbreak(raw->base_);
  });
  return worker;
}

Worker::Worker(int index, event_base* base, std::chrono::milliseconds drain_timeout)
    : index_(index), base_(base), drain_timeout_(drain_timeout) {}

Worker::~Worker() {
  if (thread_.joinable()) {
    request_stop();
    join();
  }
  release_loop();  // when never started
  // Closed only here: post() may still write to it while the loop is shutting down.
  if (wake_fd_ >= 0) close(wake_fd_);
}

void Worker::release_loop() {
  if (base_ == nullptr) return;
  for (auto& slot : listeners_) {
    if (slot->listener != nullptr) evconnlistener_free(slot->listener);
    slot->listener = nullptr;
    if (slot->retry_timer != nullptr) event_free(slot->retry_timer);
    slot->retry_timer = nullptr;
  }
  if (wake_event_ != nullptr) event_free(wake_event_);
  if (drain_timer_ != nullptr) event_free(drain_timer_);
  wake_event_ = nullptr;
  drain_timer_ = nullptr;
  // Runs libevent's pending finalizers: a bufferevent freed by a closing session closes its
  // socket only there, and stop() promises every connection is closed when it returns.
  event_base_free(base_);
  base_ = nullptr;
}

Status Worker::add_listener(int fd, Http1ServerConfig config, std::shared_ptr<TlsContext> tls) {
  if (state_.load() != State::kCreated) {
    close(fd);
    return Status::internal("add_listener after start");
  }
  auto slot = std::make_unique<ListenerSlot>();
  slot->worker = this;
  slot->config = std::move(config);
  slot->config.tls = tls != nullptr;
  slot->tls = std::move(tls);
  slot->retry_timer = evtimer_new(base_, &ListenerSlot::retry_cb, slot.get());
  // backlog 0: the socket is already listening (open_listen_socket).
  slot->listener = evconnlistener_new(base_, &ListenerSlot::accept_cb, slot.get(),
                                      LEV_OPT_CLOSE_ON_FREE, 0, fd);
  if (slot->listener == nullptr || slot->retry_timer == nullptr) {
    if (slot->listener == nullptr) close(fd);
    if (slot->retry_timer != nullptr) event_free(slot->retry_timer);
    if (slot->listener != nullptr) evconnlistener_free(slot->listener);
    return Status::internal("evconnlistener_new failed");
  }
  evconnlistener_set_error_cb(slot->listener, &ListenerSlot::error_cb);
  listeners_.push_back(std::move(slot));
  return Status::ok();
}

Status Worker::start() {
  State expected = State::kCreated;
  if (!state_.compare_exchange_strong(expected, State::kRunning)) {
    return Status::internal("worker started twice");
  }
  thread_ = std::thread([this] {
    char name[16];
    snprintf(name, sizeof name, "easgate-w%d", index_);
    pthread_setname_np(pthread_self(), name);
    // A stop requested before the loop ran is still pending in the eventfd: the first
    // wake_cb sees it.
    event_base_dispatch(base_);
    state_.store(State::kStopped);
    run_posted();  // closures posted during the drain still run, e.g. a context install
    std::function<void()> on_exit;
    {
      std::lock_guard<std::mutex> lock(mu_);
      on_exit.swap(on_loop_exit_);
    }
    if (on_exit) on_exit();
    release_loop();
    log_debug(kComponent).msg("worker stopped").kv("worker", index_);
  });
  return Status::ok();
}

bool Worker::post(std::function<void()> fn) {
  if (state_.load() == State::kStopped) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  ssize_t n = write(wake_fd_, &one, sizeof one);
  (void)n;  // EAGAIN means the counter is already non-zero: the loop will wake anyway
  return true;
}

void Worker::request_stop() {
  // Only an atomic store and write(2): both async-signal-safe.
  stop_requested_.store(true);
  uint64_t one = 1;
  ssize_t n = write(wake_fd_, &one, sizeof one);
  (void)n;
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::wake_cb(evutil_socket_t fd, short, void* self) {
  auto* worker = static_cast<Worker*>(self);
  uint64_t count;
  ssize_t n = read(fd, &count, sizeof count);
  (void)n;
  worker->run_posted();
  if (worker->stop_requested_.load() && worker->state_.load() == State::kRunning) {
    worker->begin_drain();
  }
}

void Worker::run_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void Worker::begin_drain() {
  state_.store(State::kDraining);
  for (auto& slot : listeners_) {
    if (slot->listener != nullptr) {
      evconnlistener_free(slot->listener);  // closes this worker's listening socket
      slot->listener = nullptr;
    }
    evtimer_del(slot->retry_timer);
  }
  log_info(kComponent)
      .msg("worker draining")
      .kv("worker", index_)
      .kv("connections", static_cast<uint64_t>(sessions_.size()));
  if (sessions_.size() == 0) {
    event_base_loopbreak(base_);
    return;
  }
  sessions_.close_all(/*graceful=*/true);
  timeval tv{static_cast<time_t>(drain_timeout_.count() / 1000),
             static_cast<suseconds_t>((drain_timeout_.count() % 1000) * 1000)};
  evtimer_add(drain_timer_, &tv);
}

void Worker::drain_deadline_cb(evutil_socket_t, short, void* self) {
  auto* worker = static_cast<Worker*>(self);
  log_info(kComponent)
      .msg("drain deadline reached; closing remaining connections")
      .kv("worker", worker->index_)
      .kv("connections", static_cast<uint64_t>(worker->sessions_.size()));
  worker->sessions_.close_all(/*graceful=*/false);
}

}  // namespace easgate
