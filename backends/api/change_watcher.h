#pragma once
// A live change feed from a mail backend for one user (DESIGN.md "Backends report changes
// by IMAP NOTIFY/IDLE ..."): the held-request layer starts one per user while that user
// has held Pings, and re-checks the named folder when it fires. Implementations:
// backends/imap/imap_notify_watcher.h.
//
// Threading: one event loop; callbacks run on it, never inline from watch().

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/api/credentials.h"

namespace easgate {

// What the feed reports.
enum class ChangeKind : uint8_t {
  kChanged,       // something in `mailbox` changed (new, expunged, flags)
  kConnected,     // the feed is live (after a (re)connect): earlier events may be lost
  kDisconnected,  // the feed is down; it reconnects with backoff by itself
};

// How the feed learns about changes.
enum class ChangeFeedMode : uint8_t {
  kNotify,  // NOTIFY SET (RFC 5465): every watched mailbox on one connection
  kIdle,    // IDLE (RFC 2177) on INBOX only: other folders are not covered
};

struct ChangeNotice {
  ChangeKind kind = ChangeKind::kChanged;     // what happened
  std::string mailbox;                        // kChanged: the mailbox; "" = unknown
  ChangeFeedMode mode = ChangeFeedMode::kIdle;  // kConnected: the mode in use
};

// A running feed; destroying it closes its connection.
class ChangeWatch {
 public:
  virtual ~ChangeWatch() = default;
  // Replaces the set of mailboxes watched (a new Ping watches other folders).
  virtual void set_mailboxes(std::vector<std::string> mailboxes) = 0;
};

class ChangeWatcher {
 public:
  virtual ~ChangeWatcher() = default;
  // Starts a feed for `credentials.user` over `mailboxes`. The credentials are kept in
  // memory only while the watch lives and are never logged.
  virtual std::unique_ptr<ChangeWatch> watch(const Credentials& credentials,
                                             std::vector<std::string> mailboxes,
                                             std::function<void(ChangeNotice)> on_notice) = 0;
};

}  // namespace easgate
