#include "backends/smtp/smtp_mail_submitter.h"

#include <event2/dns.h>
#include <openssl/ssl.h>

#include "backends/smtp/smtp_submission.h"
#include "backends/smtp/smtp_tls.h"

namespace easgate {

Result<std::unique_ptr<SmtpMailSubmitter>> SmtpMailSubmitter::create(event_base* base,
                                                                      SmtpOptions options) {
  auto ctx = make_smtp_tls_context(options);
  if (!ctx) return ctx.status();
  return std::unique_ptr<SmtpMailSubmitter>(new SmtpMailSubmitter(base, std::move(options), *ctx));
}

SmtpMailSubmitter::SmtpMailSubmitter(event_base* base, SmtpOptions options, SSL_CTX* tls_ctx)
    : base_(base), options_(std::move(options)), tls_ctx_(tls_ctx) {
  dns_ = evdns_base_new(base_, EVDNS_BASE_INITIALIZE_NAMESERVERS);
}

SmtpMailSubmitter::~SmtpMailSubmitter() {
  // Move out first: abandon() never calls back, but keep the map stable regardless.
  auto active = std::move(active_);
  active_.clear();
  for (auto& [id, submission] : active) submission->abandon();
  active.clear();
  if (dns_) evdns_base_free(dns_, 0);
  if (tls_ctx_) SSL_CTX_free(tls_ctx_);
}

void SmtpMailSubmitter::submit(const Credentials& credentials, OutgoingMessage message,
                               std::function<void(Status)> done) {
  auto submission = SmtpSubmission::create(base_, options_, tls_ctx_, dns_);
  uint64_t id = next_id_++;
  active_.emplace(id, submission);
  // Runs from the submission's own callback (which holds a reference), so erasing here
  // never destroys it mid-call.
  submission->start(credentials, std::move(message), std::move(done),
                    [this, id] { active_.erase(id); });
}

}  // namespace easgate
