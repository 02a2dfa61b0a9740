#pragma once
// The IMAP ChangeWatcher (backends/api/change_watcher.h): one IMAP connection per watch,
// logged in with the user's credentials, that reports changed mailboxes as they happen.
//   - NOTIFY (RFC 5465) when the server offers it and the mode allows: after ENABLE
//     CONDSTORE (so flag changes in unselected mailboxes arrive as STATUS HIGHESTMODSEQ,
//     RFC 5465 5.4), "NOTIFY SET (mailboxes (...) (MessageNew MessageExpunge FlagChange
//     MailboxName))"; nothing is selected, so every message event arrives as an
//     unsolicited STATUS for its mailbox, a deleted or renamed one as a LIST.
//   - IDLE (RFC 2177) on INBOX otherwise: EXAMINE INBOX, IDLE, re-issued before the
//     server's 29-minute inactivity limit (RFC 2177 3).
// A broken connection reconnects by itself with exponential backoff (1 s doubling to
// 60 s, with jitter, reset once live) and reports kDisconnected / kConnected.
//
// Threading: one event loop; create the watcher, its watches and destroy them on it.
// Notices run on that loop, never inline from watch() or set_mailboxes().

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "backends/api/change_watcher.h"
#include "backends/imap/imap_options.h"
#include "backends/imap/imap_parser.h"
#include "gateway/core/status.h"

struct event_base;
typedef struct ssl_ctx_st SSL_CTX;

namespace easgate {

struct ImapWatchOptions {
  // Server, TLS and timeouts (the pool's settings; the session limits do not apply).
  ImapOptions imap;
  // NOTIFY when offered (push.imap_watch: notify); false: IDLE on INBOX always.
  bool prefer_notify = true;
  // First reconnect delay after a failure; doubles per failure up to backoff_max.
  std::chrono::milliseconds backoff_initial{1000};
  // Longest reconnect delay.
  std::chrono::milliseconds backoff_max{60'000};
  // Each delay is scaled by a random factor in [1 - jitter, 1 + jitter] so watches that
  // broke together (a backend restart) do not reconnect together. 0 in tests.
  double jitter = 0.2;
  // IDLE is ended and re-issued after this long (RFC 2177 3: servers may log out an
  // IDLE client after 30 minutes; clients re-issue at least every 29).
  std::chrono::milliseconds idle_refresh{std::chrono::minutes(25)};
  // In NOTIFY mode nothing is in flight, so a NOOP after this long proves the connection
  // is alive (and keeps NAT state); a NOOP that fails or times out reconnects.
  std::chrono::milliseconds keepalive{std::chrono::minutes(4)};
};

// What one untagged response means to a watch.
enum class WatchEventKind : uint8_t {
  kNone,      // nothing changed (greeting noise, "* OK Still here", RECENT, BYE, ...)
  kMailbox,   // `mailbox` changed
  kUnknown,   // something changed, mailbox unknown: check every watched mailbox
  kOverflow,  // RFC 5465 5.8 NOTIFICATIONOVERFLOW: events were lost and the server
              // stopped notifying; check everything and re-issue NOTIFY SET
};

struct WatchEvent {
  WatchEventKind kind = WatchEventKind::kNone;  // what happened
  std::string mailbox;                          // kMailbox: the mailbox (wire name)
};

// Interprets an untagged response received while a watch is live. `mode` is the feed in
// use; `idle_mailbox` is the mailbox selected for IDLE (numeric EXISTS / EXPUNGE / FETCH /
// VANISHED responses are about it). Pure; used by the watch and by the unit tests.
WatchEvent classify_watch_response(const ImapResponse& response, ChangeFeedMode mode,
                                   std::string_view idle_mailbox);

class ImapNotifyWatcher final : public ChangeWatcher {
 public:
  // Builds the TLS context when the options ask for TLS. Call on `loop`'s thread.
  static Result<std::unique_ptr<ImapNotifyWatcher>> create(event_base* loop,
                                                           ImapWatchOptions options);
  ~ImapNotifyWatcher() override;

  // Connects at once (the first notice comes later). `mailboxes` are wire names (modified
  // UTF-7, as LIST returned them); IDLE mode watches INBOX whatever they are.
  std::unique_ptr<ChangeWatch> watch(const Credentials& credentials,
                                     std::vector<std::string> mailboxes,
                                     std::function<void(ChangeNotice)> on_notice) override;

 private:
  ImapNotifyWatcher(event_base* loop, ImapWatchOptions options, std::shared_ptr<SSL_CTX> tls);

  event_base* loop_;
  const ImapWatchOptions options_;
  std::shared_ptr<SSL_CTX> tls_;       // shared with the watches (one may outlive a call)
  std::shared_ptr<std::mt19937> rng_;  // jitter
};

}  // namespace easgate
