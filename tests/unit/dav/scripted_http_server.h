#pragma once
// A tiny HTTP/1.1 server for tests, on the test's own event_base: listens on 127.0.0.1:0,
// records every request, answers from a script. Keep-alive, Content-Length bodies only.
// Lets a test check what a client sent and make the server fail on purpose (never answer,
// close without answering).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct event_base;
struct evconnlistener;
struct bufferevent;
struct sockaddr;

namespace easgate::testing {

// A request as the server received it.
struct RecordedRequest {
  std::string method;                                        // "PROPFIND"
  std::string target;                                        // "/alice/"
  std::vector<std::pair<std::string, std::string>> headers;  // in order, as sent
  std::string body;                                          // decoded by Content-Length
  int connection = 0;                                        // 1-based accept order

  // First value of header `name` (case-insensitive), or empty.
  std::string header(const std::string& name) const;
};

// What to do with one request.
struct ScriptedReply {
  int status = 200;                                          // HTTP status
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Length
  std::string body;                                          // response body
  bool hang = false;              // never answer (drives client timeouts)
  bool close_connection = false;  // close the socket instead of answering
};

class ScriptedHttpServer {
 public:
  explicit ScriptedHttpServer(event_base* base);
  ~ScriptedHttpServer();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;

  // Answer `method` on `target` with `reply` (the latest registration wins).
  void on(const std::string& method, const std::string& target, ScriptedReply reply);
  // Called for requests no on() matches; default: 404.
  void set_fallback(std::function<ScriptedReply(const RecordedRequest&)> fallback);

  const std::vector<RecordedRequest>& requests() const { return requests_; }
  int connections_accepted() const { return connections_; }

 private:
  struct Connection;
  static void on_accept(evconnlistener* listener, int fd, sockaddr* addr, int len,
                        void* arg);
  static void on_read(bufferevent* bev, void* arg);
  static void on_event(bufferevent* bev, short what, void* arg);
  void serve(Connection* c);
  void drop(Connection* c);

  event_base* base_;
  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  int connections_ = 0;
  std::map<std::pair<std::string, std::string>, ScriptedReply> script_;
  std::function<ScriptedReply(const RecordedRequest&)> fallback_;
  std::vector<RecordedRequest> requests_;
  std::vector<std::unique_ptr<Connection>> live_;
};

// A port on 127.0.0.1 that nothing listens on (bound, then closed) for refused connects.
uint16_t unused_local_port();

}  // namespace easgate::testing
