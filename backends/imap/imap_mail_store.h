#pragma once
// MailStore on IMAP. list_folders costs one round trip when the server offers LIST-STATUS
// (RFC 5819): LIST "" "*" RETURN (SPECIAL-USE STATUS (UIDVALIDITY MESSAGES UIDNEXT
// HIGHESTMODSEQ MAILBOXID)); otherwise LIST followed by one STATUS per selectable mailbox
// (a degraded path: counted and warned once). One per worker loop.
//
// Each operation leases one pooled session for its whole command sequence and returns it
// before calling back. Costs: folder_state is one STATUS; changes_since is one SELECT
// (QRESYNC) that carries VANISHED (EARLIER) and the changed FETCHes (RFC 7162 3.2.5);
// message operations on the mailbox a session already has selected send no SELECT.
// Implementation split by concept: imap_mail_store.cc (folders), imap_mail_sync.cc (read
// side of a sync), imap_mail_write.cc (flags, move, append, expunge, search).

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
    uint64_t snapshot_fallbacks = 0;     // changes_since done by a full UID/FLAGS listing
    uint64_t move_fallbacks = 0;         // moves done as COPY + STORE \Deleted + EXPUNGE
  };

  explicit ImapMailStore(std::shared_ptr<ImapSessionPool> pool) : pool_(std::move(pool)) {}

  // Errors: those of ImapSessionPool::acquire, backend_error (LIST refused), malformed
  // (unparseable LIST / STATUS data). `done` runs later on the pool's loop.
  void list_folders(const Credentials& credentials,
                    std::function<void(Result<std::vector<MailFolderInfo>>)> done) override;

  void folder_state(const Credentials& credentials, const std::string& mailbox,
                    MailCallback<MailFolderState> done) override;
  void changes_since(const Credentials& credentials, const MailboxRef& folder, uint64_t modseq,
                     const std::vector<MessageChange>& snapshot,
                     MailCallback<MessageChanges> done) override;
  void list_messages(const Credentials& credentials, const MailboxRef& folder,
                     const MessageListFilter& filter, MailCallback<MessageListing> done) override;
  void fetch_summaries(const Credentials& credentials, const MailboxRef& folder,
                       const std::vector<uint32_t>& uids, bool with_header,
                       MailCallback<std::vector<MessageSummary>> done) override;
  void fetch_message(const Credentials& credentials, const MailboxRef& folder, uint32_t uid,
                     const MessagePart& part, MailCallback<std::string> done) override;
  void fetch_messages(const Credentials& credentials, const MailboxRef& folder,
                      const std::vector<uint32_t>& uids, uint64_t max_bytes,
                      MailCallback<std::vector<FetchedMessage>> done) override;
  void store_flags(const Credentials& credentials, const MailboxRef& folder,
                   const std::vector<uint32_t>& uids, const FlagUpdate& update,
                   MailCallback<FlagUpdateResult> done) override;
  void move_messages(const Credentials& credentials, const MailboxRef& from,
                     const std::vector<uint32_t>& uids, const std::string& to,
                     MailCallback<MessageMoveResult> done) override;
  void append_message(const Credentials& credentials, const std::string& mailbox,
                      const MessageFlags& flags, int64_t internal_date, std::string message,
                      MailCallback<AppendResult> done) override;
  void expunge_messages(const Credentials& credentials, const MailboxRef& folder,
                        const std::vector<uint32_t>& uids, std::function<void(Status)> done) override;
  void create_folder(const Credentials& credentials, const std::string& parent,
                     const std::string& display_name, MailCallback<std::string> done) override;
  void delete_folder(const Credentials& credentials, const std::string& mailbox,
                     std::function<void(Status)> done) override;
  void rename_folder(const Credentials& credentials, const std::string& mailbox,
                     const std::string& new_parent, const std::string& display_name,
                     MailCallback<std::string> done) override;
  void search(const Credentials& credentials, const MailSearchQuery& query,
              MailCallback<std::vector<MailSearchHit>> done) override;

  const Stats& stats() const { return *stats_; }
  // IMAP commands this worker's sessions sent so far (for "no-change sync costs N" tests).
  uint64_t commands_sent() const { return pool_->stats().commands_sent; }

 private:
  std::shared_ptr<ImapSessionPool> pool_;
  // Shared with callbacks in flight, so destroying the store mid-request is safe.
  std::shared_ptr<Stats> stats_ = std::make_shared<Stats>();
};

// The STATUS items to ask for, given the server's capabilities (exposed for tests).
std::string imap_status_items(const ImapConnection& connection);

}  // namespace easgate
