#include "backends/imap/imap_connection.h"

#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "backends/imap/loop_defer.h"
#include "backends/net/backend_connect.h"
#include "gateway/core/log.h"

namespace easgate {
namespace {

constexpr char kLog[] = "imap";
std::atomic<uint64_t> g_next_connection_id{1};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

BackendEndpoint endpoint_of(const ImapOptions& options) {
  return BackendEndpoint{options.host, options.port, options.tls_verify, options.tls_ca_file};
}

}  // namespace

const char* imap_reply_state_name(ImapReplyState state) {
  switch (state) {
    case ImapReplyState::kOk: return "ok";
    case ImapReplyState::kNo: return "no";
    case ImapReplyState::kBad: return "bad";
    case ImapReplyState::kAuthFailed: return "auth_failed";
    case ImapReplyState::kDisconnected: return "disconnected";
    case ImapReplyState::kTimeout: return "timeout";
  }
  return "?";
}

Status imap_reply_status(const ImapReply& reply, std::string_view what) {
  std::string msg = std::string(what) + ": " + imap_reply_state_name(reply.state);
  if (!reply.text.empty()) msg += " (" + reply.text + ")";
  switch (reply.state) {
    case ImapReplyState::kOk: return Status::ok();
    case ImapReplyState::kAuthFailed: return Status::auth_failed(msg);
    case ImapReplyState::kDisconnected: return Status::backend_unavailable(msg);
    case ImapReplyState::kTimeout: return Status::timeout(msg);
    case ImapReplyState::kNo:
      // RFC 5530 3: UNAVAILABLE means a subsystem is down, not that the request is wrong.
      if (reply.code == "UNAVAILABLE") return Status::backend_unavailable(msg);
      return Status::backend_error(msg);
    case ImapReplyState::kBad: return Status::backend_error(msg);
  }
  return Status::internal(msg);
}

Result<SSL_CTX*> make_imap_tls_context(const ImapOptions& options) {
  if (options.tls == ImapTlsMode::kNone) return static_cast<SSL_CTX*>(nullptr);
  return make_backend_tls_context(endpoint_of(options), "IMAP");
}

std::shared_ptr<ImapConnection> ImapConnection::create(event_base* base,
                                                       const ImapOptions& options,
                                                       SSL_CTX* tls_ctx, evdns_base* dns) {
  return std::shared_ptr<ImapConnection>(new ImapConnection(base, options, tls_ctx, dns));
}

ImapConnection::ImapConnection(event_base* base, const ImapOptions& options, SSL_CTX* tls_ctx,
                               evdns_base* dns)
    : base_(base),
      options_(options),
      tls_ctx_(tls_ctx),
      dns_(dns),
      id_(g_next_connection_id++),
      parser_(options.parser_limits) {
  timer_ = evtimer_new(base_, &ImapConnection::on_timer, this);
}

ImapConnection::~ImapConnection() {
  if (bev_) bufferevent_free(bev_);
  if (timer_) event_free(timer_);
}

bool ImapConnection::has_capability(std::string_view name) const {
  std::string u = upper(name);
  return std::find(capabilities_.begin(), capabilities_.end(), u) != capabilities_.end();
}

void ImapConnection::install_bufferevent(bufferevent* bev) {
  bev_ = bev;
  bufferevent_setcb(bev_, &ImapConnection::on_read, nullptr, &ImapConnection::on_event, this);
  bufferevent_enable(bev_, EV_READ | EV_WRITE);
}

void ImapConnection::connect(ImapCallback done) {
  connect_done_ = std::move(done);
  state_ = State::kConnecting;
  BackendEndpoint endpoint = endpoint_of(options_);
  bufferevent* bev = new_backend_bufferevent(base_, options_.tls == ImapTlsMode::kImplicit,
                                             tls_ctx_, endpoint);
  if (!bev) {
    fail(ImapReplyState::kDisconnected, "cannot create socket");
    return;
  }
  install_bufferevent(bev);
  arm_timer(options_.connect_timeout);
  if (!start_backend_connect(bev_, dns_, endpoint, kLog, id_)) {
    fail(ImapReplyState::kDisconnected, "connect to " + options_.host + " failed");
  }
}

void ImapConnection::arm_timer(std::chrono::milliseconds timeout) {
  timeval tv = backend_timeval(timeout);
  evtimer_add(timer_, &tv);
}

void ImapConnection::on_read(bufferevent*, void* ctx) {
  auto self = static_cast<ImapConnection*>(ctx)->shared_from_this();
  self->handle_read();
}

void ImapConnection::on_event(bufferevent*, short what, void* ctx) {
  auto self = static_cast<ImapConnection*>(ctx)->shared_from_this();
  self->handle_event(what);
}

void ImapConnection::on_timer(int, short, void* ctx) {
  auto self = static_cast<ImapConnection*>(ctx)->shared_from_this();
  const char* phase = self->state_ == State::kReady ? "command" : "connect";
  self->fail(ImapReplyState::kTimeout, std::string("IMAP ") + phase + " timed out");
}

void ImapConnection::handle_event(short what) {
  if (what & BEV_EVENT_CONNECTED) {
    if (state_ == State::kConnecting) {
      state_ = State::kGreeting;
    } else if (state_ == State::kStartTls) {
      // RFC 3501 6.2.1: capabilities learned before STARTTLS must be discarded.
      capabilities_.clear();
      query_capabilities_then_ready();
    }
    return;
  }
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    fail(ImapReplyState::kDisconnected, backend_socket_event_text(bev_, what));
  }
}

void ImapConnection::handle_read() {
  evbuffer* in = bufferevent_get_input(bev_);
  size_t n = evbuffer_get_length(in);
  if (n > 0) {
    std::string chunk(n, '\0');
    evbuffer_remove(in, chunk.data(), n);
    parser_.feed(chunk);
  }
  while (state_ != State::kClosed) {
    auto next = parser_.next();
    if (!next) {
      log_warn(kLog).msg("bad response from IMAP server").kv("conn", id_).kv("error", next.status().message());
      fail(ImapReplyState::kDisconnected, "protocol error: " + next.status().message());
      return;
    }
    if (!next->has_value()) return;
    handle_response(std::move(**next));
  }
}

void ImapConnection::update_capabilities(const std::vector<ImapValue>& values) {
  capabilities_.clear();
  for (const ImapValue& v : values)
    if (v.kind == ImapValueKind::kAtom) capabilities_.push_back(upper(v.text));
}

void ImapConnection::handle_greeting(ImapResponse r) {
  if (r.kind != ImapResponseKind::kUntagged ||
      (r.condition != ImapCondition::kOk && r.condition != ImapCondition::kPreauth)) {
    fail(ImapReplyState::kDisconnected, "server refused the connection: " + r.text);
    return;
  }
  if (r.code == "CAPABILITY") update_capabilities(r.code_args);
  authenticated_ = r.condition == ImapCondition::kPreauth;
  state_ = State::kReady;  // lets the internal commands below be sent
  after_greeting();
}

void ImapConnection::after_greeting() {
  if (options_.tls == ImapTlsMode::kStartTls) {
    auto self = shared_from_this();
    send_simple("STARTTLS", [self](ImapReply reply) {
      if (reply.state != ImapReplyState::kOk) {
        // Never fall back to plaintext: that would expose the password (RFC 8314 4).
        self->fail(ImapReplyState::kDisconnected, "STARTTLS refused: " + reply.text);
        return;
      }
      self->begin_tls_upgrade();
    });
    return;
  }
  if (capabilities_.empty()) {
    query_capabilities_then_ready();
    return;
  }
  finish_connect(ImapReply{});
}

void ImapConnection::begin_tls_upgrade() {
  // Bytes after the tagged OK would be plaintext injected before the handshake
  // (RFC 3501 6.2.1 / the "STARTTLS command injection" class of bugs): refuse.
  if (parser_.buffered() > 0 || evbuffer_get_length(bufferevent_get_input(bev_)) > 0) {
    fail(ImapReplyState::kDisconnected, "data after STARTTLS response");
    return;
  }
  bufferevent* tls = new_backend_tls_filter(base_, bev_, tls_ctx_, endpoint_of(options_));
  if (!tls) {
    fail(ImapReplyState::kDisconnected, "cannot start TLS");
    return;
  }
  state_ = State::kStartTls;
  install_bufferevent(tls);  // the filter now owns the socket bufferevent
  arm_timer(options_.connect_timeout);
}

void ImapConnection::query_capabilities_then_ready() {
  state_ = State::kReady;
  auto self = shared_from_this();
  send_simple("CAPABILITY", [self](ImapReply reply) {
    if (reply.state != ImapReplyState::kOk) {
      self->finish_connect(std::move(reply));
      return;
    }
    self->finish_connect(ImapReply{});
  });
}

void ImapConnection::finish_connect(ImapReply reply) {
  if (!connect_done_) return;
  ImapCallback done = std::move(connect_done_);
  connect_done_ = nullptr;
  if (reply.state == ImapReplyState::kOk && !in_flight_) evtimer_del(timer_);
  log_debug(kLog).msg("connected").kv("conn", id_).kv("state", imap_reply_state_name(reply.state));
  done(std::move(reply));
}

void ImapConnection::handle_response(ImapResponse r) {
  if (state_ == State::kGreeting) {
    handle_greeting(std::move(r));
    return;
  }
  if (r.kind == ImapResponseKind::kContinuation) {
    if (in_flight_ && queue_.front().idle && !queue_.front().idling) {
      // RFC 2177 3: "+ idling"; the IDLE may last up to 29 minutes, so no command timeout.
      Pending& p = queue_.front();
      p.idling = true;
      evtimer_del(timer_);
      if (p.done_wanted) {
        bufferevent_write(bev_, "DONE\r\n", 6);
        arm_timer(options_.command_timeout);
      }
      return;
    }
    if (!in_flight_ || queue_.front().next_chunk >= queue_.front().command.chunks.size()) {
      fail(ImapReplyState::kDisconnected, "unexpected continuation request");
      return;
    }
    write_chunk(queue_.front());
    return;
  }
  if (r.kind == ImapResponseKind::kUntagged) {
    if (r.condition == ImapCondition::kBye) bye_ = true;
    if (r.keyword == "CAPABILITY") update_capabilities(r.values);
    if (r.code == "CAPABILITY") update_capabilities(r.code_args);
    if (untagged_listener_) untagged_listener_(r);
    if (state_ == State::kClosed) return;  // the listener closed the connection
    if (in_flight_ && !queue_.front().idle) queue_.front().reply.untagged.push_back(std::move(r));
    return;
  }
  // Tagged: must complete the command in flight.
  if (!in_flight_ || r.tag != queue_.front().tag) {
    fail(ImapReplyState::kDisconnected, "tagged response for an unknown command: " + r.tag);
    return;
  }
  Pending p = std::move(queue_.front());
  queue_.pop_front();
  in_flight_ = false;
  evtimer_del(timer_);
  p.reply.text = std::move(r.text);
  p.reply.code = std::move(r.code);
  p.reply.code_args = std::move(r.code_args);
  if (p.reply.code == "CAPABILITY") update_capabilities(p.reply.code_args);
  switch (r.condition) {
    case ImapCondition::kOk:
      p.reply.state = ImapReplyState::kOk;
      break;
    case ImapCondition::kNo:
      // RFC 5530: UNAVAILABLE / SERVERBUG say nothing about the credentials.
      p.reply.state = p.command.authenticating && p.reply.code != "UNAVAILABLE" &&
                              p.reply.code != "SERVERBUG"
                          ? ImapReplyState::kAuthFailed
                          : ImapReplyState::kNo;
      break;
    default:
      p.reply.state = ImapReplyState::kBad;
      break;
  }
  log_debug(kLog).msg("command done").kv("conn", id_).kv("command", p.command.log_text)
      .kv("state", imap_reply_state_name(p.reply.state));
  // The callback runs first so that a command it queues (or STARTTLS switching state)
  // is in place before the next queued command goes out.
  if (p.done) p.done(std::move(p.reply));
  start_next();
}

void ImapConnection::send_simple(std::string_view text, ImapCallback done) {
  ImapCommand cmd;
  cmd.chunks.push_back(std::string(text) + "\r\n");
  cmd.log_text = std::string(text);
  send(std::move(cmd), std::move(done));
}

void ImapConnection::send(ImapCommand command, ImapCallback done) {
  if (state_ == State::kClosed || bye_ || command.chunks.empty()) {
    ImapReply reply;
    reply.state = ImapReplyState::kDisconnected;
    reply.text = bye_ ? "server said BYE" : "connection closed";
    defer_on_loop(base_, [done = std::move(done), reply = std::move(reply)]() mutable {
      done(std::move(reply));
    });
    return;
  }
  Pending p;
  p.command = std::move(command);
  p.done = std::move(done);
  p.tag = "e" + std::to_string(next_tag_++);
  queue_.push_back(std::move(p));
  if (state_ == State::kReady && !in_flight_) start_next();
}

void ImapConnection::start_next() {
  if (in_flight_ || queue_.empty() || state_ != State::kReady) return;
  in_flight_ = true;
  Pending& p = queue_.front();
  log_debug(kLog).msg("command").kv("conn", id_).kv("tag", p.tag).kv("command", p.command.log_text);
  arm_timer(options_.command_timeout);
  if (counter_) ++*counter_;
  write_chunk(p);
}

void ImapConnection::write_chunk(Pending& p) {
  std::string& chunk = p.command.chunks[p.next_chunk];
  if (p.next_chunk == 0) bufferevent_write(bev_, (p.tag + " ").data(), p.tag.size() + 1);
  bufferevent_write(bev_, chunk.data(), chunk.size());
  // The wire text may hold a password; wipe our copy once libevent has its own.
  OPENSSL_cleanse(chunk.data(), chunk.size());
  ++p.next_chunk;
}

void ImapConnection::login(const Credentials& credentials, ImapCallback done) {
  bool sasl_plain = options_.prefer_sasl_plain && has_capability("AUTH=PLAIN");
  Result<ImapCommand> cmd = Status::internal("unset");
  if (sasl_plain) {
    // RFC 4616 2: message = [authzid] NUL authcid NUL passwd.
    std::string message;
    message += '\0';
    message += credentials.user;
    message += '\0';
    message += credentials.password;
    std::string b64 = imap_base64_encode(message);
    OPENSSL_cleanse(message.data(), message.size());
    ImapCommand c;
    c.authenticating = true;
    c.log_text = "AUTHENTICATE PLAIN <redacted>";
    if (has_capability("SASL-IR")) {
      c.chunks.push_back("AUTHENTICATE PLAIN " + b64 + "\r\n");  // RFC 4959
    } else {
      c.chunks.push_back("AUTHENTICATE PLAIN\r\n");
      c.chunks.push_back(b64 + "\r\n");
    }
    OPENSSL_cleanse(b64.data(), b64.size());
    cmd = std::move(c);
  } else {
    bool literal_plus = has_capability("LITERAL+");
    cmd = ImapCommandBuilder(literal_plus)
              .atom("LOGIN")
              .string(credentials.user)
              .string(credentials.password)
              .redact("LOGIN <redacted>")
              .build();
    if (cmd) cmd->authenticating = true;
  }
  if (!cmd) {
    ImapReply reply;
    reply.state = ImapReplyState::kAuthFailed;
    reply.text = "credentials cannot be sent to IMAP (NUL byte)";
    defer_on_loop(base_, [done = std::move(done), reply = std::move(reply)]() mutable {
      done(std::move(reply));
    });
    return;
  }
  auto self = shared_from_this();
  send(std::move(cmd).value(), [self, done = std::move(done)](ImapReply reply) {
    if (reply.state == ImapReplyState::kOk) {
      self->authenticated_ = true;
      // RFC 3501 6.2.3: capabilities may change after login; keep only what the OK said.
      bool fresh = reply.code == "CAPABILITY";
      for (const ImapResponse& u : reply.untagged) fresh = fresh || u.keyword == "CAPABILITY";
      if (!fresh) self->capabilities_.clear();
    }
    done(std::move(reply));
  });
}

void ImapConnection::logout(ImapCallback done) {
  // Weak: whoever wants the LOGOUT to finish keeps the connection alive meanwhile.
  std::weak_ptr<ImapConnection> weak = weak_from_this();
  send_simple("LOGOUT", [weak, done = std::move(done)](ImapReply reply) {
    if (auto self = weak.lock()) self->close();
    if (done) done(std::move(reply));
  });
}

void ImapConnection::idle(ImapCallback done) {
  ImapCommand cmd;
  cmd.chunks.push_back("IDLE\r\n");
  cmd.log_text = "IDLE";
  size_t before = queue_.size();
  send(std::move(cmd), std::move(done));
  // send() queued it last (or failed it on a closed connection): mark the new entry.
  if (queue_.size() > before) queue_.back().idle = true;
}

void ImapConnection::idle_done() {
  for (Pending& p : queue_) {
    if (!p.idle || p.done_wanted) continue;
    p.done_wanted = true;
    if (p.idling) {
      bufferevent_write(bev_, "DONE\r\n", 6);
      arm_timer(options_.command_timeout);
    }
    return;
  }
}

bool ImapConnection::idling() const {
  return in_flight_ && !queue_.empty() && queue_.front().idle && queue_.front().idling;
}

void ImapConnection::abandon() {
  connect_done_ = nullptr;
  queue_.clear();
  close();
}

void ImapConnection::close() {
  if (state_ == State::kClosed) return;
  close_listener_ = nullptr;  // the owner closes: it knows
  fail(ImapReplyState::kDisconnected, "closed by client");
}

void ImapConnection::fail(ImapReplyState state, const std::string& why) {
  if (state_ != State::kClosed)
    log_debug(kLog).msg("connection closed").kv("conn", id_).kv("reason", why);
  state_ = State::kClosed;
  in_flight_ = false;
  if (bev_) {
    bufferevent_free(bev_);
    bev_ = nullptr;
  }
  if (timer_) evtimer_del(timer_);
  std::vector<ImapCallback> callbacks;
  if (connect_done_) {
    callbacks.push_back(std::move(connect_done_));
    connect_done_ = nullptr;
  }
  for (Pending& p : queue_)
    if (p.done) callbacks.push_back(std::move(p.done));
  queue_.clear();
  if (close_listener_) {
    auto listener = std::move(close_listener_);
    close_listener_ = nullptr;
    defer_on_loop(base_, [listener = std::move(listener), why] { listener(why); });
  }
  for (ImapCallback& cb : callbacks) {
    ImapReply reply;
    reply.state = state;
    reply.text = why;
    defer_on_loop(base_, [cb = std::move(cb), reply = std::move(reply)]() mutable {
      cb(std::move(reply));
    });
  }
}

}  // namespace easgate
