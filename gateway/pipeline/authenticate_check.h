#pragma once
// First check: HTTP Basic credentials, verified by the mailbox backend (cached). A wrong
// password gets 401 and nothing says which part was wrong; an unreachable backend gets 503,
// never 401, so a device does not ask its user for a password that is right.

#include "gateway/pipeline/check.h"

namespace easgate {

class AuthenticateCheck final : public Check {
 public:
  std::string_view name() const override { return "authenticate"; }
  void run(const std::shared_ptr<RequestContext>& request,
           std::function<void(CheckVerdict)> done) override;
};

// 401 with the challenge a device answers with Basic credentials.
Status unauthorized(std::string why);

}  // namespace easgate
