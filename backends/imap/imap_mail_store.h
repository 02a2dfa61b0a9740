#pragma once
// MailStore on IMAP. list_folders costs one round trip when the server offers LIST-STATUS
// (RFC 5819): LIST "" "*" RETURN (SPECIAL-USE STATUS (UIDVALIDITY MESSAGES UIDNEXT
// HIGHESTMODSEQ MAILBOXID)); otherwise LIST followed by one STATUS per selectable mailbox
// (a degraded path: counted and warned once). One per worker loop.

#include <cstdint>
#include <memory>

#include "backends/api/mail_store.h"
#include "backends/imap/imap_session_pool.h"

namespace easgate {

class ImapMailStore final : public MailStore {
 public:
  // Counters of degraded paths, for metrics.
  struct Stats {
    uint64_t list_status_fallbacks = 0;  // listings done with LIST + STATUS per mailbox
  };

  explicit ImapMailStore(std::shared_ptr<ImapSessionPool> pool) : pool_(std::move(pool)) {}

  // Errors: those of ImapSessionPool::acquire, backend_error (LIST refused), malformed
  // (unparseable LIST / STATUS data). `done` runs later on the pool's loop.
  void list_folders(const Credentials& credentials,
                    std::function<void(Result<std::vector<MailFolderInfo>>)> done) override;

  const Stats& stats() const { return *stats_; }

 private:
  std::shared_ptr<ImapSessionPool> pool_;
  // Shared with callbacks in flight, so destroying the store mid-request is safe.
  std::shared_ptr<Stats> stats_ = std::make_shared<Stats>();
};

// The STATUS items to ask for, given the server's capabilities (exposed for tests).
std::string imap_status_items(const ImapConnection& connection);

}  // namespace easgate
