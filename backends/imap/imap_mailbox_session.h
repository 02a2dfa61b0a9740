#pragma once
// Internal to backends/imap: leasing a pooled session with a mailbox selected, and the
// reply -> Status mapping the MailStore operations share. A session keeps its SELECT
// across leases (ImapConnection::selected()), so a request on the mailbox the previous
// request used costs no SELECT at all.
//
// Every function runs on the pool's loop; callbacks run later on it, never inline.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/mail_store.h"
#include "backends/imap/imap_session_pool.h"
#include "backends/imap/loop_defer.h"

namespace easgate {

// What SELECT reported (RFC 3501 6.3.1, RFC 7162 3.1.2 / 3.2.5).
struct ImapSelectResult {
  // UIDVALIDITY of the selected mailbox.
  uint32_t uidvalidity = 0;
  // UIDNEXT; 0 when not sent (or the session was reused).
  uint32_t uidnext = 0;
  // HIGHESTMODSEQ; 0 with NOMODSEQ, without CONDSTORE, or when the session was reused.
  uint64_t highestmodseq = 0;
  // EXISTS (messages); 0 when the session was reused.
  uint32_t exists = 0;
  // True when a SELECT was sent; false when the session already had the mailbox.
  bool selected_now = false;
  // All untagged responses of the SELECT (VANISHED and FETCH with QRESYNC).
  std::vector<ImapResponse> untagged;
};

using SharedLease = std::shared_ptr<ImapLease>;
using SelectedDone = std::function<void(Status, SharedLease, ImapSelectResult)>;

// Computes a SELECT parameter for the leased session, e.g.
// "(QRESYNC (67890007 20050715194045000))"; empty: a plain SELECT, or none at all.
using SelectParam = std::function<std::string(const ImapConnection&)>;

// Leases a session for `credentials` with `folder.name` selected read-write. Sends no
// command when the session already has it selected with the same UIDVALIDITY and
// `param` is null or yields ""; a non-empty parameter forces a SELECT with it. A UIDVALIDITY
// different from a non-zero folder.uidvalidity fails with kConflict + EAS status 3. On failure the
// lease (if any) is already released.
void lease_selected(ImapSessionPool& pool, const Credentials& credentials, const MailboxRef& folder,
                    SelectParam param, SelectedDone done);

// Leases a session without selecting anything.
void lease_session(ImapSessionPool& pool, const Credentials& credentials,
                   std::function<void(Status, SharedLease)> done);

// Maps a failed reply to a Status (OK -> ok). NONEXISTENT -> not_found, ALREADYEXISTS ->
// conflict (RFC 5530); a disconnect or timeout discards the session.
Status mail_reply_status(ImapLease& lease, const ImapReply& reply, std::string_view what);

// Sends a built command on the lease; a build error is delivered (deferred) as a kBad
// reply whose text explains it.
void send_command(const SharedLease& lease, Result<ImapCommand> command, ImapCallback done);

// A builder honouring the session's LITERAL+.
ImapCommandBuilder command_builder(ImapLease& lease);

// Runs `done(value)` on the pool's loop later (for answers known before any I/O).
template <typename T, typename V>
void answer_later(ImapSessionPool& pool, std::function<void(Result<T>)> done, V value) {
  defer_on_loop(pool.base(), [done = std::move(done), value = std::move(value)]() mutable {
    done(std::move(value));
  });
}

// Releases the lease and runs `done` with `value`: the session goes back to the pool
// before the caller can issue its next request, so that request reuses it.
template <typename T, typename V>
void finish(const SharedLease& lease, const std::function<void(Result<T>)>& done, V&& value) {
  if (lease) lease->release();
  done(std::forward<V>(value));
}

}  // namespace easgate
