#pragma once
// TLS towards the submission server: the client context one submitter shares and the
// per-connection SSL with SNI and host name verification.

#include "backends/smtp/smtp_options.h"
#include "gateway/core/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace easgate {

// Creates the TLS context for `options`; nullptr for kNone. TLS 1.2 at least; with
// tls_verify the peer certificate must chain to tls_ca_file (or the system store).
Result<SSL_CTX*> make_smtp_tls_context(const SmtpOptions& options);

// A new SSL for one connection: SNI = options.host, and with tls_verify the certificate
// must name that host (RFC 6125). nullptr on allocation failure.
SSL* new_smtp_ssl(SSL_CTX* ctx, const SmtpOptions& options);

}  // namespace easgate
