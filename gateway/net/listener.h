#pragma once
// What one listening endpoint serves. The EAS endpoint and the admin endpoint are
// different listeners with different handlers (and usually different limits).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gateway/http/http1_limits.h"
#include "gateway/http/http1_session.h"
#include "gateway/http/http_message.h"
#include "gateway/net/tls_context.h"

namespace easgate {

struct ListenerConfig {
  std::string name;                      // for logs: "eas", "eas-tls", "admin"
  std::string address = "127.0.0.1";     // numeric IPv4/IPv6; "0.0.0.0" or "::" for all
  uint16_t port = 0;                     // 0: a free port, see WorkerPool::bound_port()
  std::optional<TlsConfig> tls;          // set: HTTPS with this certificate; unset: plain
  std::shared_ptr<HttpHandler> handler;  // serves every request on this listener
  Http1Limits limits;                    // size limits and timeouts for its connections
  int backlog = 1024;                    // listen(2) backlog, per worker socket
  ConnectionObserver* observer = nullptr;  // connection open/close; may be null
};

}  // namespace easgate
