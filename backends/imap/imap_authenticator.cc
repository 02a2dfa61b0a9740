#include "backends/imap/imap_authenticator.h"

namespace easgate {

void ImapAuthenticator::verify(const Credentials& credentials, std::function<void(Status)> done) {
  pool_->acquire(credentials, [done = std::move(done)](Result<ImapLease> lease) {
    // The lease goes back to the pool here, ready for the request being authenticated.
    done(lease.status());
  });
}

}  // namespace easgate
