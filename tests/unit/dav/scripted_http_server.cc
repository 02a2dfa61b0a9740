#include "tests/unit/dav/scripted_http_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace easgate::testing {

struct ScriptedHttpServer::Connection {
  ScriptedHttpServer* server = nullptr;
  bufferevent* bev = nullptr;
  int number = 0;
  bool hung = false;  // a hang reply was chosen; ignore anything further
  ~Connection() {
    if (bev) bufferevent_free(bev);
  }
};

std::string RecordedRequest::header(const std::string& name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strcasecmp(n.c_str(), name.c_str()) == 0) return v;
  }
  return {};
}

ScriptedHttpServer::ScriptedHttpServer(event_base* base) : base_(base) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = 0;
  listener_ = evconnlistener_new_bind(base_, &ScriptedHttpServer::on_accept, this,
                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                      reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
  if (!listener_) std::abort();
  sockaddr_in bound{};
  socklen_t len = sizeof(bound);
  getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
  fallback_ = [](const RecordedRequest&) { return ScriptedReply{404, {}, "not scripted"}; };
}

ScriptedHttpServer::~ScriptedHttpServer() {
  live_.clear();
  if (listener_) evconnlistener_free(listener_);
}

std::string ScriptedHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void ScriptedHttpServer::on(const std::string& method, const std::string& target,
                            ScriptedReply reply) {
  script_[{method, target}] = std::move(reply);
}

void ScriptedHttpServer::set_fallback(std::function<ScriptedReply(const RecordedRequest&)> f) {
  fallback_ = std::move(f);
}

void ScriptedHttpServer::on_accept(evconnlistener*, int fd, sockaddr*, int, void* arg) {
  auto* self = static_cast<ScriptedHttpServer*>(arg);
  auto c = std::make_unique<Connection>();
  c->server = self;
  c->number = ++self->connections_;
  c->bev = bufferevent_socket_new(self->base_, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(c->bev, &ScriptedHttpServer::on_read, nullptr, &ScriptedHttpServer::on_event,
                    c.get());
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  self->live_.push_back(std::move(c));
}

void ScriptedHttpServer::on_read(bufferevent*, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  c->server->serve(c);
}

void ScriptedHttpServer::on_event(bufferevent*, short what, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) c->server->drop(c);
}

void ScriptedHttpServer::drop(Connection* c) {
  live_.erase(std::remove_if(live_.begin(), live_.end(),
                             [c](const std::unique_ptr<Connection>& p) { return p.get() == c; }),
              live_.end());
}

void ScriptedHttpServer::serve(Connection* c) {
  evbuffer* in = bufferevent_get_input(c->bev);
  while (!c->hung) {
    evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, nullptr);
    if (end.pos < 0) return;
    const size_t head_len = static_cast<size_t>(end.pos) + 4;
    std::string head(head_len, '\0');
    evbuffer_copyout(in, head.data(), head_len);
    RecordedRequest req;
    req.connection = c->number;
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end + 2;
    while (pos < head_len - 2) {
      const size_t e = head.find("\r\n", pos);
      const std::string line = head.substr(pos, e - pos);
      pos = e + 2;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      req.headers.emplace_back(line.substr(0, colon), value);
    }
    const std::string length = req.header("Content-Length");
    const size_t body_len = length.empty() ? 0 : std::strtoul(length.c_str(), nullptr, 10);
    if (evbuffer_get_length(in) < head_len + body_len) return;
    evbuffer_drain(in, head_len);
    req.body.resize(body_len);
    if (body_len) evbuffer_remove(in, req.body.data(), body_len);

    auto it = script_.find({req.method, req.target});
    ScriptedReply reply = it != script_.end() ? it->second : fallback_(req);
    requests_.push_back(req);
    if (reply.hang) {
      c->hung = true;
      return;
    }
    if (reply.close_connection) {
      drop(c);
      return;
    }
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\n";
    for (const auto& [n, v] : reply.headers) out += n + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
    out += reply.body;
    bufferevent_write(c->bev, out.data(), out.size());
  }
}

uint16_t unused_local_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
  socklen_t len = sizeof(sin);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  close(fd);
  return ntohs(sin.sin_port);
}

}  // namespace easgate::testing
