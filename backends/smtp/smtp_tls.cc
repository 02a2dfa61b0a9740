#include "backends/smtp/smtp_tls.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace easgate {

Result<SSL_CTX*> make_smtp_tls_context(const SmtpOptions& options) {
  if (options.tls == SmtpTlsMode::kNone) return static_cast<SSL_CTX*>(nullptr);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return Status::internal("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (options.tls_verify) {
    int ok = options.tls_ca_file.empty()
                 ? SSL_CTX_set_default_verify_paths(ctx)
                 : SSL_CTX_load_verify_locations(ctx, options.tls_ca_file.c_str(), nullptr);
    if (ok != 1) {
      SSL_CTX_free(ctx);
      return Status::invalid_argument("cannot load SMTP TLS trust store '" +
                                      options.tls_ca_file + "'");
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

SSL* new_smtp_ssl(SSL_CTX* ctx, const SmtpOptions& options) {
  SSL* ssl = SSL_new(ctx);
  if (!ssl) return nullptr;
  // RFC 6066 3: SNI carries host names only; an address literal is checked against the
  // certificate's IP SANs instead.
  in6_addr addr;
  bool literal = inet_pton(AF_INET, options.host.c_str(), &addr) == 1 ||
                 inet_pton(AF_INET6, options.host.c_str(), &addr) == 1;
  if (!literal) SSL_set_tlsext_host_name(ssl, options.host.c_str());
  if (options.tls_verify) {
    int ok = literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), options.host.c_str())
                     : SSL_set1_host(ssl, options.host.c_str());
    if (ok != 1) {
      SSL_free(ssl);
      return nullptr;
    }
  }
  return ssl;
}

}  // namespace easgate
