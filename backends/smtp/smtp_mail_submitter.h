#pragma once
// MailSubmitter over SMTP submission (RFC 6409): one SmtpSubmission, on a connection of
// its own, per message. Submissions are rare (SendMail, SmartReply, SmartForward,
// notices), so a fresh connection costs little and never carries state from an earlier
// user's session; no pool.
//
// Threading: one instance per worker event loop; call submit() on that loop's thread.
// Destroying the submitter drops submissions in flight without calling their callbacks
// (the worker is shutting down); a message whose final "." was already sent may still be
// delivered by the server.

#include <cstdint>
#include <map>
#include <memory>

#include "backends/api/mail_submitter.h"
#include "backends/smtp/smtp_options.h"

struct event_base;
struct evdns_base;
typedef struct ssl_ctx_st SSL_CTX;

namespace easgate {

class SmtpSubmission;

class SmtpMailSubmitter final : public MailSubmitter {
 public:
  // Fails when the TLS trust store cannot be loaded.
  static Result<std::unique_ptr<SmtpMailSubmitter>> create(event_base* base, SmtpOptions options);
  ~SmtpMailSubmitter() override;
  SmtpMailSubmitter(const SmtpMailSubmitter&) = delete;
  SmtpMailSubmitter& operator=(const SmtpMailSubmitter&) = delete;

  void submit(const Credentials& credentials, OutgoingMessage message,
              std::function<void(Status)> done) override;

  // Submissions whose connection is still open (including a closing QUIT).
  size_t in_flight() const { return active_.size(); }
  const SmtpOptions& options() const { return options_; }

 private:
  SmtpMailSubmitter(event_base* base, SmtpOptions options, SSL_CTX* tls_ctx);

  event_base* base_;
  SmtpOptions options_;
  SSL_CTX* tls_ctx_;              // shared by this worker's submissions; nullptr without TLS
  evdns_base* dns_ = nullptr;     // async name resolution on this loop
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<SmtpSubmission>> active_;
};

}  // namespace easgate
