#include "gateway/net/tls_context.h"

#include <openssl/err.h>

#include "gateway/core/log.h"

namespace easgate {
namespace {

// TLS 1.2 suites: ECDHE + AEAD only (Mozilla "intermediate"), which every EAS client of
// the last decade (iOS 9+, Android 5+, Outlook mobile) offers. TLS 1.3 suites are
// OpenSSL's defaults, all AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// RFC 7301: we speak only http/1.1 for now (h2 comes with the nghttp2 session). A client
// that offers ALPN without http/1.1 gets no ALPN answer and may still try HTTP/1.1.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof kHttp11, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Result<std::shared_ptr<SSL_CTX>> TlsContext::build(const TlsConfig& config) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!ctx) return Status::internal("SSL_CTX_new: " + openssl_error());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Buffers are freed while a connection is idle: the dominant cost of a held Ping.
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1) {
    return Status::internal("cipher list: " + openssl_error());
  }
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(c, 10'000);
  if (SSL_CTX_use_certificate_chain_file(c, config.cert_chain_path.c_str()) != 1) {
    return Status::invalid_argument("TLS certificate " + config.cert_chain_path + ": " +
                                    openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(c, config.key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::invalid_argument("TLS key " + config.key_path + ": " + openssl_error());
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    return Status::invalid_argument("TLS key " + config.key_path +
                                    " does not match certificate " + config.cert_chain_path);
  }
  SSL_CTX_set_alpn_select_cb(c, &select_alpn, nullptr);
  return ctx;
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(TlsConfig config) {
  Result<std::shared_ptr<SSL_CTX>> ctx = build(config);
  if (!ctx) return ctx.status();
  std::shared_ptr<TlsContext> tls(new TlsContext(std::move(config)));
  tls->ctx_ = std::move(ctx.value());
  return tls;
}

Status TlsContext::reload() {
  Result<std::shared_ptr<SSL_CTX>> ctx = build(config_);
  if (!ctx) {
    log_warn("net").msg("TLS reload failed; keeping the current certificate")
        .kv("error", ctx.status().message());
    return ctx.status();
  }
  std::lock_guard<std::mutex> lock(mu_);
  ctx_ = std::move(ctx.value());
  return Status::ok();
}

SSL* TlsContext::new_ssl() const {
  std::shared_ptr<SSL_CTX> ctx;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ctx = ctx_;
  }
  // SSL_new takes its own reference on the SSL_CTX, so a reload may drop ours any time.
  SSL* ssl = SSL_new(ctx.get());
  if (ssl == nullptr) ERR_clear_error();
  return ssl;
}

}  // namespace easgate
