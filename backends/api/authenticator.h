#pragma once
// Verifies a user's credentials against the mailbox backend (IMAP LOGIN in the default
// set-up). Async: the callback runs later on the caller's event loop, never inline.

#include <functional>

#include "backends/api/credentials.h"
#include "gateway/core/status.h"

namespace easgate {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // ok: the backend accepted the credentials. kAuthFailed: it refused them.
  // kBackendUnavailable / kTimeout: it could not tell (the client gets 503, not 401).
  virtual void verify(const Credentials& credentials, std::function<void(Status)> done) = 0;
};

}  // namespace easgate
