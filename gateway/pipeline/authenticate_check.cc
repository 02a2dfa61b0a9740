#include "gateway/pipeline/authenticate_check.h"

#include "backends/api/authenticator.h"
#include "gateway/auth/basic_authorization.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/request_context.h"

namespace easgate {

Status unauthorized(std::string why) { return Status::auth_failed(std::move(why)); }

void AuthenticateCheck::run(const std::shared_ptr<RequestContext>& request,
                            std::function<void(CheckVerdict)> done) {
  WorkerServices& services = request->services;
  const std::string* header = request->http.headers.find("Authorization");
  if (!header) {
    // Devices first probe without credentials; this is not a failure worth counting.
    done(CheckVerdict::reject(unauthorized("no credentials")));
    return;
  }
  auto credentials = parse_basic_authorization(*header, services.default_domain);
  if (!credentials.is_ok()) {
    services.metrics->record_auth_failure("malformed");
    done(CheckVerdict::reject(unauthorized(credentials.status().message())));
    return;
  }
  Credentials creds = std::move(credentials.value());
  std::string user = creds.user;
  services.authenticator->verify(
      creds, [request, creds, done = std::move(done)](Status status) mutable {
        WorkerServices& services = request->services;
        if (status.is_ok()) {
          request->credentials = std::move(creds);
          done(CheckVerdict::next());
          return;
        }
        if (status.kind() == ErrorKind::kAuthFailed) {
          services.metrics->record_auth_failure("bad_credentials");
          log_info("auth").msg("credentials rejected").kv("user", creds.user)
              .kv("peer", request->http.peer_address);
          done(CheckVerdict::reject(unauthorized("credentials rejected")));
          return;
        }
        services.metrics->record_auth_failure("backend_unavailable");
        log_warn("auth").msg("cannot verify credentials").kv("user", creds.user)
            .kv("error", status.to_string());
        done(CheckVerdict::reject(Status::backend_unavailable("cannot verify credentials now")));
      });
}

}  // namespace easgate
