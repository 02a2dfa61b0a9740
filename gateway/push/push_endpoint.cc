#include "gateway/push/push_endpoint.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "gateway/auth/basic_authorization.h"
#include "gateway/core/log.h"
#include "gateway/push/dovecot_push_event.h"
#include "gateway/push/push_hub.h"

namespace easgate {
namespace {

constexpr const char* kComponent = "push_endpoint";

HttpResponse plain(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  if (!body.empty()) {
    r.headers.add("Content-Type", "text/plain; charset=utf-8");
    r.body = std::move(body) + "\n";
  }
  return r;
}

// Constant time over digests: neither the secret's content nor its length leaks.
bool secret_matches(const std::string& presented, const std::string& expected) {
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

}  // namespace

PushEndpoint::PushEndpoint(PushHub& hub, std::string secret, std::string default_domain,
                           std::shared_ptr<HttpHandler> next)
    : hub_(hub),
      secret_(std::move(secret)),
      default_domain_(std::move(default_domain)),
      next_(std::move(next)) {}

void PushEndpoint::handle(HttpRequest request, std::shared_ptr<HttpResponder> responder) {
  if (request.path != kPath) {
    next_->handle(std::move(request), std::move(responder));
    return;
  }
  responder->respond(handle_push(request));
}

HttpResponse PushEndpoint::handle_push(const HttpRequest& request) {
  if (secret_.empty()) return plain(404, "");
  if (request.method != "PUT" && request.method != "POST") {
    HttpResponse r = plain(405, "");
    r.headers.add("Allow", "PUT, POST");
    return r;
  }
  const std::string* authorization = request.headers.find("Authorization");
  bool ok = false;
  if (authorization != nullptr) {
    auto credentials = parse_basic_authorization(*authorization, "");
    ok = credentials.is_ok() && secret_matches(credentials->password, secret_);
  }
  if (!ok) {
    if (first_time_for_cause("push_endpoint.unauthorized")) {
      log_warn(kComponent).msg("push notification without the right secret")
          .kv("peer", request.peer_address);
    }
    HttpResponse r = plain(401, "");
    r.headers.add("WWW-Authenticate", "Basic realm=\"easgate-push\"");
    return r;
  }
  auto event = parse_dovecot_push_event(request.body);
  if (!event.is_ok()) {
    log_warn(kComponent).msg("unreadable push notification").kv("peer", request.peer_address)
        .kv("error", event.status().message());
    return plain(400, event.status().message());
  }
  WakeEvent wake;
  wake.source = WakeSource::kPushEndpoint;
  wake.mailbox = event->folder;
  std::string user = push_user_id(event->user, default_domain_);
  bool held = hub_.wake_user(user, std::move(wake));
  log_debug(kComponent).msg("push notification").kv("user", user).kv("event", event->event)
      .kv("folder", event->folder).kv("held", held ? "yes" : "no");
  return plain(204, "");
}

}  // namespace easgate
