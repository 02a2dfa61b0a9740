#include "tests/unit/smtp/fake_smtp_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdlib>

namespace easgate::testing {

SmtpStep send(std::string text) { return {SmtpStep::Kind::kSend, std::move(text)}; }
SmtpStep expect(std::string prefix) { return {SmtpStep::Kind::kExpect, std::move(prefix)}; }
SmtpStep read_data() { return {SmtpStep::Kind::kReadData, {}}; }
SmtpStep read_some(size_t lines) { return {SmtpStep::Kind::kReadSome, {}, lines}; }
SmtpStep pause_ms(size_t ms) { return {SmtpStep::Kind::kPause, {}, ms}; }
SmtpStep close_connection() { return {SmtpStep::Kind::kClose, {}}; }
SmtpStep hang() { return {SmtpStep::Kind::kHang, {}}; }

std::vector<SmtpStep> greet_and_ehlo(const std::vector<std::string>& extensions) {
  std::string reply;
  std::vector<std::string> lines{"fake.example.test"};
  lines.insert(lines.end(), extensions.begin(), extensions.end());
  for (size_t i = 0; i < lines.size(); ++i)
    reply += "250" + std::string(i + 1 < lines.size() ? "-" : " ") + lines[i] + "\r\n";
  return {send("220 fake.example.test ESMTP\r\n"), expect("EHLO "), send(reply)};
}

struct FakeSmtpServer::Conn {
  FakeSmtpServer* server;
  bufferevent* bev = nullptr;
  event* pause = nullptr;
  std::vector<SmtpStep> script;
  size_t step = 0;
  size_t lines_read = 0;  // DATA lines read by the current kReadSome
  bool done = false;     // script over (or aborted)
  bool paused = false;
  ~Conn() {
    if (bev) bufferevent_free(bev);
    if (pause) event_free(pause);
  }
};

FakeSmtpServer::FakeSmtpServer(event_base* base) : base_(base) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  listener_ = evconnlistener_new_bind(base_, &FakeSmtpServer::on_accept, this,
                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                      reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  if (!listener_) std::abort();
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
}

FakeSmtpServer::~FakeSmtpServer() {
  conns_.clear();
  if (listener_) evconnlistener_free(listener_);
}

void FakeSmtpServer::add_script(std::vector<SmtpStep> script) {
  scripts_.push_back(std::move(script));
}

size_t FakeSmtpServer::count_commands(const std::string& prefix) const {
  size_t n = 0;
  for (const std::string& line : received_)
    if (line.compare(0, prefix.size(), prefix) == 0) ++n;
  return n;
}

bool FakeSmtpServer::all_closed() const {
  for (const auto& c : conns_)
    if (c->bev) return false;
  return true;
}

void FakeSmtpServer::on_accept(evconnlistener*, int fd, sockaddr*, int, void* ctx) {
  auto* self = static_cast<FakeSmtpServer*>(ctx);
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
  c->pause = evtimer_new(self->base_, &FakeSmtpServer::on_pause_done, c.get());
  bufferevent_setcb(c->bev, &FakeSmtpServer::on_read, nullptr, &FakeSmtpServer::on_event,
                    c.get());
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  Conn* raw = c.get();
  self->conns_.push_back(std::move(c));
  self->run(raw);
}

void FakeSmtpServer::drop(Conn* c) {
  if (c->bev) bufferevent_free(c->bev);
  c->bev = nullptr;
  c->done = true;
}

void FakeSmtpServer::run(Conn* c) {
  while (!c->done && !c->paused && c->step < c->script.size()) {
    const SmtpStep& s = c->script[c->step];
    switch (s.kind) {
      case SmtpStep::Kind::kSend:
        bufferevent_write(c->bev, s.text.data(), s.text.size());
        ++c->step;
        break;
      case SmtpStep::Kind::kPause: {
        timeval tv{static_cast<time_t>(s.count / 1000),
                   static_cast<suseconds_t>((s.count % 1000) * 1000)};
        c->paused = true;
        ++c->step;
        evtimer_add(c->pause, &tv);
        return;
      }
      case SmtpStep::Kind::kExpect:
      case SmtpStep::Kind::kReadData:
      case SmtpStep::Kind::kReadSome: {
        size_t len = 0;
        char* raw = evbuffer_readln(bufferevent_get_input(c->bev), &len, EVBUFFER_EOL_CRLF_STRICT);
        if (!raw) return;  // wait for more input
        std::string line(raw, len);
        std::free(raw);
        if (s.kind == SmtpStep::Kind::kReadData) {
          data_ += line + "\r\n";
          if (line == ".") ++c->step;
          break;
        }
        if (s.kind == SmtpStep::Kind::kReadSome) {
          if (++c->lines_read >= s.count) {
            c->lines_read = 0;
            ++c->step;
          }
          break;
        }
        received_.push_back(line);
        ++c->step;
        if (line.compare(0, s.text.size(), s.text) != 0) {
          errors_.push_back("expected '" + s.text + "', got '" + line + "'");
          drop(c);
          return;
        }
        break;
      }
      case SmtpStep::Kind::kClose: {
        evutil_socket_t fd = bufferevent_getfd(c->bev);
        evbuffer* out = bufferevent_get_output(c->bev);
        while (evbuffer_get_length(out) > 0 && evbuffer_write(out, fd) > 0) {
        }
        drop(c);
        return;
      }
      case SmtpStep::Kind::kHang:
        c->done = true;
        return;
    }
  }
  if (!c->done && !c->paused && c->step >= c->script.size()) {
    // Script finished: keep recording lines so tests see unexpected commands.
    c->done = true;
    if (c->bev) on_read(c->bev, c);
  }
}

void FakeSmtpServer::on_pause_done(int, short, void* ctx) {
  Conn* c = static_cast<Conn*>(ctx);
  c->paused = false;
  if (c->bev) c->server->run(c);
}

void FakeSmtpServer::on_read(bufferevent*, void* ctx) {
  Conn* c = static_cast<Conn*>(ctx);
  if (!c->done) {
    if (!c->paused) c->server->run(c);
    return;
  }
  if (c->step < c->script.size()) return;  // hanging: read nothing
  size_t len = 0;
  while (c->bev) {
    char* line = evbuffer_readln(bufferevent_get_input(c->bev), &len, EVBUFFER_EOL_CRLF_STRICT);
    if (!line) break;
    c->server->received_.emplace_back(line, len);
    std::free(line);
  }
}

void FakeSmtpServer::on_event(bufferevent*, short what, void* ctx) {
  Conn* c = static_cast<Conn*>(ctx);
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    // Record what arrived just before the close (e.g. QUIT) unless the script hangs.
    if (c->done && c->step >= c->script.size()) on_read(c->bev, c);
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
