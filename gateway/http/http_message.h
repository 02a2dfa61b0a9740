#pragma once
// HTTP request and response as the application sees them, independent of HTTP/1.1 or h2.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace easgate {

// Header list in arrival order; names compared case-insensitively.
class HttpHeaders {
 public:
  void add(std::string name, std::string value) {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  // First value of `name`, or nullptr.
  const std::string* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

bool iequals(std::string_view a, std::string_view b);

struct HttpRequest {
  std::string method;        // "GET", "POST", "OPTIONS", ... as sent
  std::string target;        // request-target as sent, e.g. "/Microsoft-Server-ActiveSync?Cmd=Sync"
  std::string path;          // target up to '?', percent-decoding NOT applied
  std::string query;         // target after '?', without the '?'; empty when none
  int version_minor = 1;     // HTTP/1.<minor>
  HttpHeaders headers;
  std::string body;          // complete body (Content-Length or chunked, already decoded)
  std::string peer_address;  // "127.0.0.1:54321"
  bool tls = false;          // arrived over TLS
  uint16_t local_port = 0;   // port of the listener that accepted it
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;       // Content-Length, Date, Connection are added by the session
  std::string body;
};

// The way back to the client for one request. The handler may call respond() at once or
// much later (a held Ping); exactly once. When the connection is gone, respond() is a no-op
// and alive() is false.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  virtual void respond(HttpResponse response) = 0;
  virtual bool alive() const = 0;
  // Called once if the client goes away before respond(); lets a held request free itself.
  virtual void set_on_abort(std::function<void()> on_abort) = 0;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Runs on the worker's event loop thread that accepted the connection.
  virtual void handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) = 0;
};

}  // namespace easgate
