#include "backends/net/backend_connect.h"

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "gateway/core/log.h"

namespace easgate {

timeval backend_timeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Result<SSL_CTX*> make_backend_tls_context(const BackendEndpoint& endpoint, std::string_view what) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return Status::internal("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (endpoint.tls_verify) {
    int ok = endpoint.tls_ca_file.empty()
                 ? SSL_CTX_set_default_verify_paths(ctx)
                 : SSL_CTX_load_verify_locations(ctx, endpoint.tls_ca_file.c_str(), nullptr);
    if (ok != 1) {
      SSL_CTX_free(ctx);
      return Status::invalid_argument("cannot load " + std::string(what) + " TLS trust store '" +
                                      endpoint.tls_ca_file + "'");
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

SSL* new_backend_ssl(SSL_CTX* ctx, const BackendEndpoint& endpoint) {
  if (!ctx) return nullptr;
  SSL* ssl = SSL_new(ctx);
  if (!ssl) return nullptr;
  const char* host = endpoint.host.c_str();
  // RFC 6066 3: SNI carries host names only; an address literal is checked against the
  // certificate's IP SANs instead.
  in6_addr addr;
  bool literal = inet_pton(AF_INET, host, &addr) == 1 || inet_pton(AF_INET6, host, &addr) == 1;
  if (!literal) SSL_set_tlsext_host_name(ssl, host);
  if (endpoint.tls_verify) {
    int ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
                     : SSL_set1_host(ssl, host);
    if (ok != 1) {
      SSL_free(ssl);
      return nullptr;
    }
  }
  return ssl;
}

bufferevent* new_backend_bufferevent(event_base* base, bool implicit_tls, SSL_CTX* ctx,
                                     const BackendEndpoint& endpoint) {
  if (!implicit_tls) return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  SSL* ssl = new_backend_ssl(ctx, endpoint);
  if (!ssl) return nullptr;
  // BEV_OPT_CLOSE_ON_FREE: the SSL goes with the bufferevent. A failed creation (allocation
  // only) is left as both clients always had it: libevent's error path may already free it.
  return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                        BEV_OPT_CLOSE_ON_FREE);
}

bool start_backend_connect(bufferevent* bev, evdns_base* dns, const BackendEndpoint& endpoint,
                           std::string_view log_component, uint64_t conn_id) {
  log_debug(log_component)
      .msg("connecting")
      .kv("conn", conn_id)
      .kv("host", endpoint.host)
      .kv("port", static_cast<int>(endpoint.port));
  return bufferevent_socket_connect_hostname(bev, dns, AF_UNSPEC, endpoint.host.c_str(),
                                             endpoint.port) == 0;
}

bufferevent* new_backend_tls_filter(event_base* base, bufferevent* bev, SSL_CTX* ctx,
                                    const BackendEndpoint& endpoint) {
  SSL* ssl = new_backend_ssl(ctx, endpoint);
  if (!ssl) return nullptr;
  bufferevent* tls = bufferevent_openssl_filter_new(base, bev, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                    BEV_OPT_CLOSE_ON_FREE);
  if (!tls) SSL_free(ssl);
  return tls;
}

std::string backend_socket_event_text(bufferevent* bev, short what) {
  std::string why = (what & BEV_EVENT_EOF) ? "server closed the connection" : "connection error";
  if (what & BEV_EVENT_ERROR) {
    int err = EVUTIL_SOCKET_ERROR();
    if (err) why += std::string(": ") + evutil_socket_error_to_string(err);
    unsigned long ssl_err = bev ? bufferevent_get_openssl_error(bev) : 0;
    if (ssl_err) {
      char buf[256];
      ERR_error_string_n(ssl_err, buf, sizeof buf);
      why += std::string(" (tls: ") + buf + ")";
    }
  }
  return why;
}

}  // namespace easgate
