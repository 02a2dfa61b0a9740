#pragma once
// POST/PUT /push/dovecot on an admin listener: Dovecot's push_notification plugin (OX
// driver) reports a new message; the user's held Pings re-check that folder at once,
// without any IMAP connection held per user. Every other path goes to the wrapped admin
// handler.
//
// Authentication: HTTP Basic whose password is push.endpoint_secret (the user name is not
// checked), from the driver URL: ox:url=http://easgate:SECRET@127.0.0.1:19464/push/dovecot
// Answers: 204 (accepted, also when nobody of that user is held), 400 (bad body),
// 401 (wrong secret), 404 (endpoint off), 405 (other methods).
//
// Thread-safety: runs on whichever worker accepted the connection; it only calls the
// thread-safe PushHub.

#include <memory>
#include <string>

#include "gateway/http/http_message.h"

namespace easgate {

class PushHub;

class PushEndpoint final : public HttpHandler {
 public:
  inline static constexpr const char* kPath = "/push/dovecot";

  // `hub` must outlive the endpoint; `secret` "" turns the endpoint off.
  PushEndpoint(PushHub& hub, std::string secret, std::string default_domain,
               std::shared_ptr<HttpHandler> next);
  void handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) override;

 private:
  HttpResponse handle_push(const HttpRequest& request);

  PushHub& hub_;
  const std::string secret_;
  const std::string default_domain_;
  std::shared_ptr<HttpHandler> next_;
};

}  // namespace easgate
