#include "tests/unit/support/scripted_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdlib>

namespace easgate::testing {

ScriptStep send(std::string text) { return {ScriptStep::Kind::kSend, std::move(text)}; }
ScriptStep expect(std::string prefix) { return {ScriptStep::Kind::kExpect, std::move(prefix)}; }
ScriptStep expect_raw(std::string line) { return {ScriptStep::Kind::kExpectRaw, std::move(line)}; }
ScriptStep read_data() { return {ScriptStep::Kind::kReadData, {}}; }
ScriptStep read_some(size_t lines) { return {ScriptStep::Kind::kReadSome, {}, lines}; }
ScriptStep pause_ms(size_t ms) { return {ScriptStep::Kind::kPause, {}, ms}; }
ScriptStep close_connection() { return {ScriptStep::Kind::kClose, {}}; }
ScriptStep hang() { return {ScriptStep::Kind::kHang, {}}; }

struct ScriptedServer::Conn {
  ScriptedServer* server;
  bufferevent* bev = nullptr;
  event* pause = nullptr;
  std::vector<ScriptStep> script;
  size_t step = 0;
  size_t lines_read = 0;  // lines read by the current kReadSome
  std::string tag;        // IMAP: tag of the last expected line
  bool done = false;      // script over (or aborted)
  bool paused = false;    // a kPause timer is running
  ~Conn() {
    if (bev) bufferevent_free(bev);
    if (pause) event_free(pause);
  }
};

ScriptedServer::ScriptedServer(event_base* base, ScriptDialect dialect)
    : base_(base), dialect_(dialect) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  listener_ = evconnlistener_new_bind(base_, &ScriptedServer::on_accept, this,
                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                      reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  if (!listener_) std::abort();
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
}

ScriptedServer::~ScriptedServer() {
  conns_.clear();
  if (listener_) evconnlistener_free(listener_);
}

void ScriptedServer::add_script(std::vector<ScriptStep> script) {
  scripts_.push_back(std::move(script));
}

size_t ScriptedServer::count_commands(const std::string& prefix) const {
  size_t n = 0;
  for (const std::string& line : received_) {
    size_t from = 0;
    if (dialect_ == ScriptDialect::kImap) {
      size_t sp = line.find(' ');
      if (sp == std::string::npos) continue;
      from = sp + 1;
    }
    if (line.compare(from, prefix.size(), prefix) == 0) ++n;
  }
  return n;
}

bool ScriptedServer::all_closed() const {
  for (const auto& c : conns_)
    if (c->bev) return false;
  return true;
}

void ScriptedServer::on_accept(evconnlistener*, int fd, sockaddr*, int, void* ctx) {
  auto* self = static_cast<ScriptedServer*>(ctx);
  auto c = std::make_unique<Conn>();
  c->server = self;
  if (self->accepted_ < self->scripts_.size()) {
    c->script = self->scripts_[self->accepted_];
  } else {
    c->script = {close_connection()};
    self->errors_.push_back("unexpected connection #" + std::to_string(self->accepted_));
  }
  ++self->accepted_;
  c->bev = bufferevent_socket_new(self->base_, fd, BEV_OPT_CLOSE_ON_FREE);
  c->pause = evtimer_new(self->base_, &ScriptedServer::on_pause_done, c.get());
  bufferevent_setcb(c->bev, &ScriptedServer::on_read, nullptr, &ScriptedServer::on_event, c.get());
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  Conn* raw = c.get();
  self->conns_.push_back(std::move(c));
  self->run(raw);
}

void ScriptedServer::drop(Conn* c) {
  if (c->bev) bufferevent_free(c->bev);
  c->bev = nullptr;
  c->done = true;
}

// One line for a reading step; false when the script was aborted on a mismatch.
bool ScriptedServer::take_line(Conn* c, const ScriptStep& s, const std::string& line) {
  switch (s.kind) {
    case ScriptStep::Kind::kReadData:
      data_ += line + "\r\n";
      if (line == ".") ++c->step;
      return true;
    case ScriptStep::Kind::kReadSome:
      if (++c->lines_read >= s.count) {
        c->lines_read = 0;
        ++c->step;
      }
      return true;
    case ScriptStep::Kind::kExpectRaw:
      received_.push_back(line);
      ++c->step;
      if (line != s.text) errors_.push_back("expected raw '" + s.text + "', got '" + line + "'");
      return true;
    default:
      break;
  }
  received_.push_back(line);
  ++c->step;
  size_t from = 0;
  if (dialect_ == ScriptDialect::kImap) {
    size_t sp = line.find(' ');
    c->tag = line.substr(0, sp);
    from = sp == std::string::npos ? line.size() : sp + 1;
  }
  if (line.compare(from, s.text.size(), s.text) != 0) {
    errors_.push_back("expected '" + s.text + "', got '" + line + "'");
    drop(c);
    return false;
  }
  return true;
}

void ScriptedServer::run(Conn* c) {
  while (!c->done && !c->paused && c->step < c->script.size()) {
    const ScriptStep& s = c->script[c->step];
    switch (s.kind) {
      case ScriptStep::Kind::kSend: {
        std::string text = s.text;
        if (dialect_ == ScriptDialect::kImap) {
          for (size_t pos; (pos = text.find("$tag")) != std::string::npos;)
            text.replace(pos, 4, c->tag);
        }
        bufferevent_write(c->bev, text.data(), text.size());
        ++c->step;
        break;
      }
      case ScriptStep::Kind::kPause: {
        timeval tv{static_cast<time_t>(s.count / 1000),
                   static_cast<suseconds_t>((s.count % 1000) * 1000)};
        c->paused = true;
        ++c->step;
        evtimer_add(c->pause, &tv);
        return;
      }
      case ScriptStep::Kind::kExpect:
      case ScriptStep::Kind::kExpectRaw:
      case ScriptStep::Kind::kReadData:
      case ScriptStep::Kind::kReadSome: {
        size_t len = 0;
        char* raw = evbuffer_readln(bufferevent_get_input(c->bev), &len, EVBUFFER_EOL_CRLF_STRICT);
        if (!raw) return;  // wait for more input
        std::string line(raw, len);
        std::free(raw);
        if (!take_line(c, s, line)) return;
        break;
      }
      case ScriptStep::Kind::kClose: {
        // Flush what was written, then drop the socket.
        evutil_socket_t fd = bufferevent_getfd(c->bev);
        evbuffer* out = bufferevent_get_output(c->bev);
        while (evbuffer_get_length(out) > 0 && evbuffer_write(out, fd) > 0) {
        }
        drop(c);
        return;
      }
      case ScriptStep::Kind::kHang:
        c->done = true;
        return;
    }
  }
  if (!c->done && !c->paused && c->step >= c->script.size()) {
    // Script finished: keep recording lines so tests see unexpected commands.
    c->done = true;
    record_rest(c);
  }
}

void ScriptedServer::record_rest(Conn* c) {
  // SMTP: a hanging script reads nothing, so the client's buffers fill as with a stuck server.
  if (dialect_ == ScriptDialect::kSmtp && c->step < c->script.size()) return;
  size_t len = 0;
  while (c->bev) {
    char* line = evbuffer_readln(bufferevent_get_input(c->bev), &len, EVBUFFER_EOL_CRLF_STRICT);
    if (!line) break;
    received_.emplace_back(line, len);
    std::free(line);
  }
}

void ScriptedServer::on_pause_done(int, short, void* ctx) {
  Conn* c = static_cast<Conn*>(ctx);
  c->paused = false;
  if (c->bev) c->server->run(c);
}

void ScriptedServer::on_read(bufferevent*, void* ctx) {
  Conn* c = static_cast<Conn*>(ctx);
  if (!c->done) {
    if (!c->paused) c->server->run(c);
    return;
  }
  c->server->record_rest(c);
}

void ScriptedServer::on_event(bufferevent*, short what, void* ctx) {
  Conn* c = static_cast<Conn*>(ctx);
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    // Record what arrived just before the close (e.g. QUIT / LOGOUT) once the script is over.
    if (c->done) c->server->record_rest(c);
    c->server->drop(c);
  }
}

bool run_until(event_base* base, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    timeval tick{0, 50'000};
    event_base_loopexit(base, &tick);
    event_base_loop(base, EVLOOP_ONCE);
  }
  return true;
}

}  // namespace easgate::testing
