#pragma once
// Authenticator backed by IMAP: credentials are good when the IMAP server accepts them.
// Verification takes an idle pooled session logged in with the same password, or opens
// one (which stays pooled for the request that follows). One per worker loop.

#include <memory>

#include "backends/api/authenticator.h"
#include "backends/imap/imap_session_pool.h"

namespace easgate {

class ImapAuthenticator final : public Authenticator {
 public:
  explicit ImapAuthenticator(std::shared_ptr<ImapSessionPool> pool) : pool_(std::move(pool)) {}

  // ok; auth_failed (LOGIN / AUTHENTICATE refused); backend_unavailable (connection
  // refused, closed, pool full); timeout. `done` runs later on the pool's loop.
  void verify(const Credentials& credentials, std::function<void(Status)> done) override;

 private:
  std::shared_ptr<ImapSessionPool> pool_;
};

}  // namespace easgate
