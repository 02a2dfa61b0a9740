#include "backends/smtp/smtp_tls.h"

namespace easgate {

Result<SSL_CTX*> make_smtp_tls_context(const SmtpOptions& options) {
  if (options.tls == SmtpTlsMode::kNone) return static_cast<SSL_CTX*>(nullptr);
  return make_backend_tls_context(smtp_endpoint(options), "SMTP");
}

BackendEndpoint smtp_endpoint(const SmtpOptions& options) {
  return BackendEndpoint{options.host, options.port, options.tls_verify, options.tls_ca_file};
}

}  // namespace easgate
