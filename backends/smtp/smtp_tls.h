#pragma once
// TLS towards the submission server: the client context one submitter shares. The
// per-connection SSL (SNI, host name verification) and the socket set-up are the shared
// backend connect code (backends/net/backend_connect.h).

#include "backends/net/backend_connect.h"
#include "backends/smtp/smtp_options.h"
#include "gateway/core/status.h"

namespace easgate {

// Creates the TLS context for `options`; nullptr for kNone. TLS 1.2 at least; with
// tls_verify the peer certificate must chain to tls_ca_file (or the system store).
Result<SSL_CTX*> make_smtp_tls_context(const SmtpOptions& options);

// The connect target and certificate check of `options`.
BackendEndpoint smtp_endpoint(const SmtpOptions& options);

}  // namespace easgate
