#include "backends/imap/imap_authenticator.h"

namespace easgate {

void ImapAuthenticator::verify(const Credentials& credentials, std::function<void(Status)> done) {
  pool_->acquire(credentials, [done = std::move(done)](Result<ImapLease> lease) {
    // Return the session before answering: the caller usually goes straight on to a
    // mailbox operation from inside `done`, and should find this session idle.
    Status status = lease.status();
    if (lease) lease->release();
    done(std::move(status));
  });
}

}  // namespace easgate
