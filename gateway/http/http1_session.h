#pragma once
// One HTTP/1.1 connection on a bufferevent (plain socket or bufferevent_openssl), driven by
// an explicit state machine. The session owns itself: it is created by start() and freed
// only from its own libevent callbacks (read, write, event, timer), never from outside.
//
// Requests are handed to the listener's HttpHandler one at a time. While a request is
// dispatched (a Ping may be held for many minutes) the session keeps reading so it notices
// the peer closing and fires the responder's on_abort, but it does not parse a pipelined
// next request until the response is written; at most max_header_bytes of such bytes are
// buffered, after which reading pauses.
//
// Threading: everything, including HttpResponder::respond(), runs on the thread of the
// event_base the bufferevent belongs to. Other threads post to that loop first.

#include <cstddef>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/http/http1_limits.h"
#include "gateway/http/http1_parser.h"
#include "gateway/http/http_message.h"

struct bufferevent;
struct event;
struct sockaddr;

namespace easgate {

// Shared by every connection accepted on one listener of one worker; outlives them.
// Told when a connection opens and closes on a listener (the connections_open gauge).
// Called on the worker's loop thread; implementations shared by workers must be
// thread-safe.
class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  virtual void connection_opened(std::string_view listener) = 0;
  virtual void connection_closed(std::string_view listener) = 0;
};

struct Http1ServerConfig {
  std::shared_ptr<HttpHandler> handler;  // serves every request on this listener
  Http1Limits limits;                    // size limits and timeouts
  uint16_t local_port = 0;               // copied into HttpRequest::local_port
  bool tls = false;                      // connections are bufferevent_openssl
  std::string listener_name;             // for the observer
  ConnectionObserver* observer = nullptr;  // may be null; must outlive the listener
};

class Http1Session;

// The live sessions of one worker, so a graceful stop can find them. Intrusive list: no
// allocation per connection. Used only on the worker's loop thread.
class Http1SessionRegistry {
 public:
  size_t size() const { return size_; }
  // Graceful: idle sessions close now, busy ones after their current response (which then
  // carries "Connection: close"). Not graceful: every session closes now and held requests
  // see on_abort. Sessions close from their own callbacks, after this call returns.
  void close_all(bool graceful);
  // Runs (from a session callback) each time the last session goes away.
  void set_on_empty(std::function<void()> on_empty) { on_empty_ = std::move(on_empty); }

 private:
  friend class Http1Session;
  void add(Http1Session* session);
  void remove(Http1Session* session);

  Http1Session* head_ = nullptr;
  size_t size_ = 0;
  std::function<void()> on_empty_;
};

// Where a connection is in its life.
enum class Http1SessionState : uint8_t {
  kIdle,            // waiting for the first byte of a request (new or keep-alive connection)
  kReadingHeaders,  // part of the request line / header section has arrived
  kReadingBody,     // headers complete, body bytes arriving
  kDispatched,      // the handler owns the request; only watching for the peer closing
  kWriting,         // response queued; waiting for the output buffer to drain
  kLingering,       // final response sent; discarding input until EOF so the peer reads it
};

class Http1Responder;

class Http1Session {
 public:
  // Takes ownership of `bev` (created with BEV_OPT_CLOSE_ON_FREE, on the calling loop
  // thread). `peer` is the address accept() returned (may be null). `config` and
  // `registry` must outlive the session. Never fails; a connection that cannot be set up
  // is closed at once. The process must ignore SIGPIPE (WorkerPool::start() does).
  static void start(bufferevent* bev, const sockaddr* peer, const Http1ServerConfig* config,
                    Http1SessionRegistry* registry);

  Http1Session(const Http1Session&) = delete;
  Http1Session& operator=(const Http1Session&) = delete;

 private:
  friend class Http1Responder;
  friend class Http1SessionRegistry;

  Http1Session(bufferevent* bev, const Http1ServerConfig* config, Http1SessionRegistry* registry);
  ~Http1Session();

  static void read_cb(bufferevent* bev, void* self);
  static void write_cb(bufferevent* bev, void* self);
  static void event_cb(bufferevent* bev, short what, void* self);
  static void timer_cb(int fd, short what, void* self);

  void on_read();
  void on_write_drained();
  void on_timer(short what);
  void process_input();
  void dispatch();
  void on_response(HttpResponse response);
  void send_error(int status, const Status& why);
  void write_response(int status, const HttpHeaders& headers, std::string body);
  void arm_timer(std::chrono::milliseconds timeout);
  void request_close(bool graceful);
  std::string peer_string() const;
  // The only way a session ends: fires on_abort if a request is held, frees everything.
  void close();

  bufferevent* bev_;
  event* timer_ = nullptr;  // one deadline at a time: first request, header, body, idle, linger
  const Http1ServerConfig* config_;
  Http1SessionRegistry* registry_;
  Http1Session* prev_ = nullptr;  // registry list links
  Http1Session* next_ = nullptr;
  std::unique_ptr<Http1Parser> parser_;         // only while a request is being read
  std::shared_ptr<Http1Responder> responder_;  // only while a request is dispatched
  uint8_t peer_ip_[16] = {};     // peer address from accept(): 4 or 16 bytes used
  uint16_t peer_port_ = 0;       // host order
  uint8_t peer_family_ = 0;      // 4, 6, or 0 when unknown
  Http1SessionState state_ = Http1SessionState::kIdle;
  bool keep_alive_ = true;       // the current request allows another one after it
  bool http10_ = false;          // the current request is HTTP/1.0
  bool head_request_ = false;    // the current request is HEAD: no body in the response
  bool close_after_ = false;     // close once the queued response has drained
  bool closing_ = false;         // graceful stop asked: no further requests on this connection
};

}  // namespace easgate
