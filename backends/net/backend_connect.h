#pragma once
// The TCP connect and TLS set-up the IMAP and SMTP clients share: the client SSL_CTX a
// backend's connections use, the per-connection SSL (SNI, host name verification), the
// bufferevent for plain TCP or implicit TLS, the STARTTLS filter, and the text that
// describes a socket or TLS error. The protocol dialogue stays in each client.

#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

struct bufferevent;
struct event_base;
struct evdns_base;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace easgate {

// Where a backend client connects and how it checks the server's certificate.
struct BackendEndpoint {
  // Server host name or address literal: what is resolved, sent as SNI and verified.
  std::string host;
  // Server TCP port.
  uint16_t port = 0;
  // Verify the server certificate and host name (off only for a self-signed dev CA).
  bool tls_verify = true;
  // PEM file of trusted CAs; empty: the system store.
  std::string tls_ca_file;
};

// A libevent timeout value.
timeval backend_timeval(std::chrono::milliseconds ms);

// A client TLS context: TLS 1.2 at least; with tls_verify the peer certificate must chain
// to tls_ca_file (or the system store). `what` ("IMAP", "SMTP") names the backend in the
// error: invalid_argument when the trust store cannot be loaded. The caller frees it.
Result<SSL_CTX*> make_backend_tls_context(const BackendEndpoint& endpoint, std::string_view what);

// A new SSL for one connection: SNI = host (names only, RFC 6066 3), and with tls_verify
// the certificate must name that host or, for an address literal, carry it as an IP SAN
// (RFC 6125). nullptr on failure.
SSL* new_backend_ssl(SSL_CTX* ctx, const BackendEndpoint& endpoint);

// The bufferevent of a new connection, not yet connected: plain TCP, or with implicit_tls
// a TLS client (RFC 8314) that handshakes right after the TCP connect. nullptr when the
// socket or SSL cannot be made (implicit_tls without a context included).
bufferevent* new_backend_bufferevent(event_base* base, bool implicit_tls, SSL_CTX* ctx,
                                     const BackendEndpoint& endpoint);

// Starts the TCP connect of `bev` (names resolved through `dns`, as
// bufferevent_socket_connect_hostname takes it) and logs it under `log_component` with the
// connection id. false when the connect cannot even start; BEV_EVENT_CONNECTED / ERROR report the
// outcome otherwise.
bool start_backend_connect(bufferevent* bev, evdns_base* dns, const BackendEndpoint& endpoint,
                           std::string_view log_component, uint64_t conn_id);

// STARTTLS (RFC 3501 6.2.1, RFC 3207): a TLS filter over the connected plain `bev` that
// takes ownership of it. nullptr on failure, `bev` then still belongs to the caller.
bufferevent* new_backend_tls_filter(event_base* base, bufferevent* bev, SSL_CTX* ctx,
                                    const BackendEndpoint& endpoint);

// Why a connection ended, from a bufferevent event: EOF or error, the socket error and
// the first OpenSSL error (a failed certificate check shows here). `bev` may be nullptr.
std::string backend_socket_event_text(bufferevent* bev, short what);

}  // namespace easgate
