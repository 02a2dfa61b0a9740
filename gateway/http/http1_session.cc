#include "gateway/http/http1_session.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "gateway/core/log.h"

namespace easgate {

// The handler's way back to one request. Holds a raw pointer to the session that the
// session clears before it goes away, so respond() after the connection died is a no-op.
class Http1Responder final : public HttpResponder {
 public:
  explicit Http1Responder(Http1Session* session) : session_(session) {}

  void respond(HttpResponse response) override {
    Http1Session* session = session_;
    if (session == nullptr) return;
    session_ = nullptr;
    on_abort_ = nullptr;
    session->on_response(std::move(response));  // touches nothing of *this afterwards
  }
  // False once the connection is gone or the response was given.
  bool alive() const override { return session_ != nullptr; }
  void set_on_abort(std::function<void()> on_abort) override { on_abort_ = std::move(on_abort); }

  // The connection died while the request was held: tell the handler, once.
  void abort() {
    if (session_ == nullptr) return;
    session_ = nullptr;
    std::function<void()> on_abort = std::move(on_abort_);
    on_abort_ = nullptr;
    if (on_abort) on_abort();
  }

 private:
  Http1Session* session_;
  std::function<void()> on_abort_;
};

namespace {

constexpr char kComponent[] = "http";
// Responses up to this size are copied next to the headers so a TLS connection sends one
// record; bigger bodies are referenced, not copied.
constexpr size_t kInlineBodyBytes = 16 * 1024;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 449: return "Retry With";  // MS-ASHTTP 3.1.5.2.2: provisioning required
    case 451: return "Redirect";    // MS-ASHTTP: Exchange's redirect to another CAS
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

// RFC 9110 5.6.7 IMF-fixdate, cached per thread and second (computed once per second,
// not once per response).
const std::string& http_date() {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local time_t cached_second = -1;
  thread_local std::string cached;
  time_t now = time(nullptr);
  if (now != cached_second) {
    tm t;
    gmtime_r(&now, &t);
    char buf[40];
    snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[t.tm_wday % 7],
             t.tm_mday, kMonths[t.tm_mon % 12], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

// Wake-up reasons passed through event_active() on the session's timer; a real deadline
// arrives as EV_TIMEOUT. Bits combine when several wake-ups happen in one loop iteration.
constexpr short kWakeCloseGraceful = EV_READ;   // registry: close when idle
constexpr short kWakeCloseNow = EV_SIGNAL;      // registry: close whatever the state
constexpr short kWakeWritten = EV_WRITE;        // response went out in write_response()

// Header names/values from the handler must not smuggle a line break into the response.
bool safe_header_text(const std::string& s) {
  return s.find_first_of("\r\n", 0) == std::string::npos && s.find('\0') == std::string::npos;
}

bool session_owned_header(const std::string& name) {
  return iequals(name, "Content-Length") || iequals(name, "Date") ||
         iequals(name, "Connection") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Server");
}

}  // namespace

// ---- registry ----------------------------------------------------------------------------

void Http1SessionRegistry::add(Http1Session* session) {
  session->next_ = head_;
  session->prev_ = nullptr;
  if (head_ != nullptr) head_->prev_ = session;
  head_ = session;
  ++size_;
}

void Http1SessionRegistry::remove(Http1Session* session) {
  if (session->prev_ != nullptr) {
    session->prev_->next_ = session->next_;
  } else {
    head_ = session->next_;
  }
  if (session->next_ != nullptr) session->next_->prev_ = session->prev_;
  --size_;
  if (size_ == 0 && on_empty_) on_empty_();
}

void Http1SessionRegistry::close_all(bool graceful) {
  for (Http1Session* s = head_; s != nullptr; s = s->next_) s->request_close(graceful);
}

// ---- session lifecycle -------------------------------------------------------------------

void Http1Session::start(bufferevent* bev, const sockaddr* peer, const Http1ServerConfig* config,
                         Http1SessionRegistry* registry) {
  auto* session = new Http1Session(bev, config, registry);
  // Kept compact instead of as text: formatting happens per request, storage per connection.
  if (peer != nullptr && peer->sa_family == AF_INET) {
    auto* sin = reinterpret_cast<const sockaddr_in*>(peer);
    memcpy(session->peer_ip_, &sin->sin_addr, 4);
    session->peer_port_ = ntohs(sin->sin_port);
    session->peer_family_ = 4;
  } else if (peer != nullptr && peer->sa_family == AF_INET6) {
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(peer);
    memcpy(session->peer_ip_, &sin6->sin6_addr, 16);
    session->peer_port_ = ntohs(sin6->sin6_port);
    session->peer_family_ = 6;
  }
  session->timer_ = evtimer_new(bufferevent_get_base(bev), &Http1Session::timer_cb, session);
  if (session->timer_ == nullptr) {
    log_error(kComponent).msg("cannot allocate connection timer; closing connection");
    session->close();
    return;
  }
  bufferevent_setcb(bev, &Http1Session::read_cb, &Http1Session::write_cb,
                    &Http1Session::event_cb, session);
  timeval write_tv = to_timeval(config->limits.write_timeout);
  bufferevent_set_timeouts(bev, nullptr, &write_tv);  // write only: reads use timer_
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  // The first request (and a TLS handshake before it) must arrive within header_timeout.
  session->arm_timer(config->limits.header_timeout);
}

Http1Session::Http1Session(bufferevent* bev, const Http1ServerConfig* config,
                           Http1SessionRegistry* registry)
    : bev_(bev), config_(config), registry_(registry) {
  registry_->add(this);
  if (config_->observer) config_->observer->connection_opened(config_->listener_name);
}

Http1Session::~Http1Session() = default;

void Http1Session::close() {
  if (responder_) {
    std::shared_ptr<Http1Responder> responder = std::move(responder_);
    responder->abort();  // the handler may call respond() here: a no-op by now
  }
  bufferevent_free(bev_);
  if (timer_ != nullptr) event_free(timer_);
  if (config_->observer) config_->observer->connection_closed(config_->listener_name);
  Http1SessionRegistry* registry = registry_;
  registry->remove(this);  // may run on_empty; *this is still valid but unused after
  delete this;
}

std::string Http1Session::peer_string() const {
  char host[INET6_ADDRSTRLEN] = "";
  if (peer_family_ == 4) {
    inet_ntop(AF_INET, peer_ip_, host, sizeof host);
    return std::string(host) + ":" + std::to_string(peer_port_);
  }
  if (peer_family_ == 6) {
    inet_ntop(AF_INET6, peer_ip_, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(peer_port_);
  }
  return "local";
}

void Http1Session::request_close(bool graceful) {
  closing_ = true;
  // Wake our own timer callback so the session frees itself from its own callback. This
  // cancels a pending read deadline; the pool's drain deadline bounds what is left.
  event_active(timer_, graceful ? kWakeCloseGraceful : kWakeCloseNow, 1);
}

void Http1Session::arm_timer(std::chrono::milliseconds timeout) {
  timeval tv = to_timeval(timeout);
  evtimer_add(timer_, &tv);
}

// ---- callbacks ---------------------------------------------------------------------------

void Http1Session::read_cb(bufferevent*, void* self) { static_cast<Http1Session*>(self)->on_read(); }
void Http1Session::write_cb(bufferevent*, void* self) {
  static_cast<Http1Session*>(self)->on_write_drained();
}
void Http1Session::timer_cb(int, short what, void* self) {
  static_cast<Http1Session*>(self)->on_timer(what);
}

void Http1Session::event_cb(bufferevent*, short what, void* self) {
  auto* session = static_cast<Http1Session*>(self);
  if (what & BEV_EVENT_TIMEOUT) {
    log_info(kComponent).msg("write timeout; closing connection");
  } else if ((what & BEV_EVENT_ERROR) && session->state_ != Http1SessionState::kIdle) {
    log_debug(kComponent).msg("connection error").kv("errno", errno);
  }
  // EOF, error or write timeout: the connection is over whatever state it was in. A held
  // request learns it through on_abort (close()).
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) session->close();
}

void Http1Session::on_read() {
  switch (state_) {
    case Http1SessionState::kIdle:
    case Http1SessionState::kReadingHeaders:
    case Http1SessionState::kReadingBody:
      process_input();
      return;
    case Http1SessionState::kDispatched:
      // Pipelined bytes wait in the input buffer (bounded by the read watermark) until the
      // response is written; reading stays on only to notice EOF.
      return;
    case Http1SessionState::kWriting:
      // After an error response nothing more will be parsed: discard, so a rejected 32 MiB
      // upload does not pile up in memory.
      if (close_after_) evbuffer_drain(bufferevent_get_input(bev_), SIZE_MAX);
      return;
    case Http1SessionState::kLingering:
      evbuffer_drain(bufferevent_get_input(bev_), SIZE_MAX);
      return;
  }
}

void Http1Session::process_input() {
  evbuffer* in = bufferevent_get_input(bev_);
  bool body_progress = false;
  while (state_ == Http1SessionState::kIdle || state_ == Http1SessionState::kReadingHeaders ||
         state_ == Http1SessionState::kReadingBody) {
    evbuffer_iovec chunk;
    if (evbuffer_peek(in, -1, nullptr, &chunk, 1) < 1 || chunk.iov_len == 0) break;
    if (state_ == Http1SessionState::kIdle) {
      if (closing_) {  // graceful stop: no new request on this connection
        close();
        return;
      }
      parser_ = std::make_unique<Http1Parser>(config_->limits);
      state_ = Http1SessionState::kReadingHeaders;
      arm_timer(config_->limits.header_timeout);  // total deadline from the first byte
    }
    size_t consumed = 0;
    Http1ParseResult r = parser_->feed(
        std::string_view(static_cast<const char*>(chunk.iov_base), chunk.iov_len), &consumed);
    evbuffer_drain(in, consumed);
    if (state_ == Http1SessionState::kReadingBody && consumed > 0) body_progress = true;
    switch (r) {
      case Http1ParseResult::kNeedMore:
        break;
      case Http1ParseResult::kHeadersDone:
        state_ = Http1SessionState::kReadingBody;
        body_progress = true;
        if (parser_->expects_continue()) {
          // RFC 9110 10.1.1: iOS waits for this interim response before sending the body.
          static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
          bufferevent_write(bev_, kContinue, sizeof kContinue - 1);
        }
        break;
      case Http1ParseResult::kComplete:
        dispatch();
        return;
      case Http1ParseResult::kError:
        send_error(parser_->error().http_status(), parser_->error());
        return;
    }
  }
  // Body timeout is inactivity-based: every chunk of progress pushes the deadline out.
  if (body_progress && state_ == Http1SessionState::kReadingBody) {
    arm_timer(config_->limits.body_timeout);
  }
}

void Http1Session::dispatch() {
  evtimer_del(timer_);
  HttpRequest request = parser_->take_request();
  keep_alive_ = parser_->keep_alive() && !closing_;
  parser_.reset();  // the request (and its body) now belongs to the handler
  http10_ = request.version_minor == 0;
  head_request_ = request.method == "HEAD";
  request.peer_address = peer_string();
  request.tls = config_->tls;
  request.local_port = config_->local_port;
  state_ = Http1SessionState::kDispatched;
  // Keep reading to notice EOF, but buffer no more than one header section of a pipelined
  // next request; beyond that libevent stops reading until we drain.
  bufferevent_setwatermark(bev_, EV_READ, 0, config_->limits.max_header_bytes);
  responder_ = std::make_shared<Http1Responder>(this);
  std::shared_ptr<HttpResponder> responder = responder_;
  try {
    config_->handler->handle(std::move(request), std::move(responder));
  } catch (const std::exception& e) {
    // Handlers must not throw; this boundary keeps a bug from killing the worker.
    log_error(kComponent).msg("handler threw").kv("what", e.what());
    if (responder_) responder_->respond(HttpResponse{500, {}, {}});
  } catch (...) {
    log_error(kComponent).msg("handler threw a non-exception");
    if (responder_) responder_->respond(HttpResponse{500, {}, {}});
  }
}

void Http1Session::on_response(HttpResponse response) {
  if (state_ != Http1SessionState::kDispatched) return;
  std::shared_ptr<Http1Responder> keep = std::move(responder_);  // alive until we return
  close_after_ = !keep_alive_ || closing_;
  write_response(response.status, response.headers, std::move(response.body));
}

void Http1Session::send_error(int status, const Status& why) {
  log_info(kComponent)
      .msg("rejecting request")
      .kv("status", status)
      .kv("reason", why.message())
      .kv("peer", peer_string());
  parser_.reset();
  http10_ = false;
  head_request_ = false;
  close_after_ = true;  // framing is unknown after an error: the connection cannot continue
  std::string body = std::to_string(status) + " " + reason_phrase(status) + "\n";
  HttpHeaders headers;
  headers.add("Content-Type", "text/plain; charset=utf-8");
  write_response(status, headers, std::move(body));
}

void Http1Session::write_response(int status, const HttpHeaders& headers, std::string body) {
  evtimer_del(timer_);
  if (status < 200 || status > 999) status = 500;  // 1xx are the session's business
  // RFC 9110 8.6 / 6.4.1: no body (and no Content-Length) for 204 and 304.
  bool bodiless_status = status == 204 || status == 304;
  if (bodiless_status) body.clear();
  std::string out;
  out.reserve(160 + headers.size() * 48 + (body.size() <= kInlineBodyBytes ? body.size() : 0));
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nServer: easgate\r\nDate: ";
  out += http_date();
  out += "\r\n";
  for (const auto& [name, value] : headers.entries()) {
    if (session_owned_header(name)) continue;
    if (!safe_header_text(name) || !safe_header_text(value) || name.empty()) {
      if (first_time_for_cause("http_response_header_crlf")) {  // a handler bug, not traffic
        log_warn(kComponent).msg("dropping response header with CR/LF").kv("name", name);
      }
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!bodiless_status) {
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
  }
  if (close_after_) {
    out += "Connection: close\r\n";
  } else if (http10_) {
    out += "Connection: keep-alive\r\n";  // RFC 9112 9.3: HTTP/1.0 persistence is opt-in
  }
  out += "\r\n";
  if (head_request_) body.clear();

  // One buffer handed over once: written with one writev / SSL_write sequence instead of
  // a syscall per piece.
  state_ = Http1SessionState::kWriting;
  evbuffer* buf = evbuffer_new();
  if (buf == nullptr) {
    close_after_ = true;
    event_active(timer_, kWakeWritten, 1);
  } else {
    if (body.size() <= kInlineBodyBytes) {
      out += body;
      evbuffer_add(buf, out.data(), out.size());
    } else {
      evbuffer_add(buf, out.data(), out.size());
      auto* owned = new std::string(std::move(body));
      evbuffer_add_reference(
          buf, owned->data(), owned->size(),
          [](const void*, size_t, void* p) { delete static_cast<std::string*>(p); }, owned);
    }
    // Plain sockets: write at once. Most responses fit the socket buffer, which saves the
    // two epoll_ctl calls of arming and disarming the bufferevent's write event. Only when
    // nothing else is queued, so bytes never go out of order.
    evbuffer* output = bufferevent_get_output(bev_);
    if (!config_->tls && evbuffer_get_length(output) == 0) {
      evbuffer_write(buf, bufferevent_getfd(bev_));  // errors surface via the bufferevent
    }
    if (evbuffer_get_length(buf) == 0) {
      // Finish from our own callback, not inline: respond() must not re-enter the handler
      // with a pipelined request.
      event_active(timer_, kWakeWritten, 1);
    } else {
      bufferevent_write_buffer(bev_, buf);
    }
    evbuffer_free(buf);
  }
}

void Http1Session::on_write_drained() {
  if (state_ != Http1SessionState::kWriting) return;  // e.g. "100 Continue" went out
  if (close_after_) {
    if (config_->tls) {
      close();
      return;
    }
    // RFC 9112 9.6: half-close and read until the peer closes, so unread request bytes do
    // not turn our close into a reset that destroys the response in flight.
    shutdown(bufferevent_getfd(bev_), SHUT_WR);
    state_ = Http1SessionState::kLingering;
    evbuffer_drain(bufferevent_get_input(bev_), SIZE_MAX);
    arm_timer(config_->limits.linger_timeout);
    return;
  }
  state_ = Http1SessionState::kIdle;
  bufferevent_setwatermark(bev_, EV_READ, 0, 0);
  arm_timer(config_->limits.idle_timeout);
  process_input();  // a pipelined request may already be buffered
}

void Http1Session::on_timer(short what) {
  if (what & kWakeCloseNow) {
    close();
    return;
  }
  if (what & kWakeWritten) {
    on_write_drained();
    // A graceful close that arrived together is handled by closing_ from here on.
    return;
  }
  if (what & kWakeCloseGraceful) {
    if (state_ == Http1SessionState::kIdle || state_ == Http1SessionState::kLingering) close();
    return;  // otherwise the current response carries "Connection: close"
  }
  switch (state_) {
    case Http1SessionState::kIdle:
      close();  // idle keep-alive or a connection that never sent a byte: close quietly
      return;
    case Http1SessionState::kReadingHeaders:
      send_error(408, Status::timeout("request headers not received in time"));
      return;
    case Http1SessionState::kReadingBody:
      send_error(408, Status::timeout("request body stalled"));
      return;
    case Http1SessionState::kLingering:
      close();
      return;
    case Http1SessionState::kDispatched:
    case Http1SessionState::kWriting:
      return;  // no read deadline here; the write timeout is the bufferevent's
  }
}

}  // namespace easgate
