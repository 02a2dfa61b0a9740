#include "tests/unit/imap/fake_imap_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace easgate::testing {

FakeStep send(std::string text) { return {FakeStep::Kind::kSend, std::move(text)}; }
FakeStep expect(std::string prefix) { return {FakeStep::Kind::kExpect, std::move(prefix)}; }
FakeStep expect_raw(std::string line) { return {FakeStep::Kind::kExpectRaw, std::move(line)}; }
FakeStep close_connection() { return {FakeStep::Kind::kClose, {}}; }
FakeStep hang() { return {FakeStep::Kind::kHang, {}}; }

std::vector<FakeStep> greeting(const std::string& capabilities) {
  return {send("* OK [CAPABILITY " + capabilities + "] fake ready\r\n")};
}

struct FakeImapServer::Conn {
  FakeImapServer* server;
  bufferevent* bev = nullptr;
  std::vector<FakeStep> script;
  size_t step = 0;
  std::string tag;
  bool done = false;
  ~Conn() {
    if (bev) bufferevent_free(bev);
  }
};

FakeImapServer::FakeImapServer(event_base* base) : base_(base) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = 0;
  listener_ = evconnlistener_new_bind(base_, &FakeImapServer::on_accept, this,
                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                      reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  if (!listener_) std::abort();
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
}

FakeImapServer::~FakeImapServer() {
  conns_.clear();
  if (listener_) evconnlistener_free(listener_);
}

void FakeImapServer::add_script(std::vector<FakeStep> script) {
  scripts_.push_back(std::move(script));
}

size_t FakeImapServer::count_commands(const std::string& prefix) const {
  size_t n = 0;
  for (const std::string& line : received_) {
    size_t sp = line.find(' ');
    if (sp != std::string::npos && line.compare(sp + 1, prefix.size(), prefix) == 0) ++n;
  }
  return n;
}

void FakeImapServer::on_accept(evconnlistener*, int fd, sockaddr*, int, void* ctx) {
  auto* self = static_cast<FakeImapServer*>(ctx);
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
  bufferevent_setcb(c->bev, &FakeImapServer::on_read, nullptr, &FakeImapServer::on_event, c.get());
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  Conn* raw = c.get();
  self->conns_.push_back(std::move(c));
  self->run(raw);
}

void FakeImapServer::run(Conn* c) {
  while (!c->done && c->step < c->script.size()) {
    const FakeStep& s = c->script[c->step];
    switch (s.kind) {
      case FakeStep::Kind::kSend: {
        std::string text = s.text;
        for (size_t pos; (pos = text.find("$tag")) != std::string::npos;)
          text.replace(pos, 4, c->tag);
        bufferevent_write(c->bev, text.data(), text.size());
        ++c->step;
        break;
      }
      case FakeStep::Kind::kExpect:
      case FakeStep::Kind::kExpectRaw: {
        size_t len = 0;
        char* line = evbuffer_readln(bufferevent_get_input(c->bev), &len, EVBUFFER_EOL_CRLF_STRICT);
        if (!line) return;  // wait for more input
        std::string l(line, len);
        std::free(line);
        received_.push_back(l);
        ++c->step;
        if (s.kind == FakeStep::Kind::kExpectRaw) {
          if (l != s.text) errors_.push_back("expected raw '" + s.text + "', got '" + l + "'");
          break;
        }
        size_t sp = l.find(' ');
        std::string rest = sp == std::string::npos ? "" : l.substr(sp + 1);
        c->tag = l.substr(0, sp);
        if (rest.compare(0, s.text.size(), s.text) != 0) {
          errors_.push_back("expected '" + s.text + "', got '" + l + "'");
          c->done = true;
          bufferevent_free(c->bev);
          c->bev = nullptr;
          return;
        }
        break;
      }
      case FakeStep::Kind::kClose:
        // Flush what was written, then drop the socket.
        bufferevent_flush(c->bev, EV_WRITE, BEV_FINISHED);
        {
          evutil_socket_t fd = bufferevent_getfd(c->bev);
          evbuffer* out = bufferevent_get_output(c->bev);
          while (evbuffer_get_length(out) > 0 && evbuffer_write(out, fd) > 0) {
          }
        }
        bufferevent_free(c->bev);
        c->bev = nullptr;
        c->done = true;
        return;
      case FakeStep::Kind::kHang:
        c->done = true;
        return;
    }
  }
  if (!c->done && c->step >= c->script.size()) {
    // Script finished: keep recording lines so tests see unexpected commands.
    c->done = true;
    if (c->bev) on_read(c->bev, c);
  }
}

void FakeImapServer::on_read(bufferevent*, void* ctx) {
  Conn* c = static_cast<Conn*>(ctx);
  if (!c->done) {
    c->server->run(c);
    return;
  }
  // After the script: record whatever else the client says (e.g. LOGOUT).
  size_t len = 0;
  while (c->bev) {
    char* line = evbuffer_readln(bufferevent_get_input(c->bev), &len, EVBUFFER_EOL_CRLF_STRICT);
    if (!line) break;
    c->server->received_.emplace_back(line, len);
    std::free(line);
  }
}

void FakeImapServer::on_event(bufferevent*, short what, void* ctx) {
  Conn* c = static_cast<Conn*>(ctx);
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    bufferevent_free(c->bev);
    c->bev = nullptr;
    c->done = true;
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
