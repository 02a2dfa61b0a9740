#pragma once
// `push:` — how held requests (Ping, hanging Sync) learn about backend changes
// (DESIGN.md "Backends report changes by IMAP NOTIFY/IDLE, DAV sync-collection polling, or
// an HTTP push endpoint"). Parsed by push_section.cc.

#include <chrono>
#include <cstdint>
#include <string>

namespace easgate {

// Whether and how a user's held Pings keep an IMAP connection that reports changes.
enum class ImapWatchMode : uint8_t {
  kOff,     // no IMAP watcher: the push endpoint (or the poll) wakes Pings
  kIdle,    // IDLE on INBOX only (RFC 2177), even when NOTIFY is offered
  kNotify,  // NOTIFY (RFC 5465) on every watched folder when offered, else IDLE
};

struct PushConfig {
  // Password the Dovecot push_notification OX driver sends (HTTP Basic, any user name) to
  // /push/dovecot on an admin listener; "" turns the endpoint off (404).
  std::string endpoint_secret;
  // One IMAP watcher connection per user with held requests (process-wide, shared by the
  // user's devices); off by default because the push endpoint costs the backend nothing
  // per user.
  ImapWatchMode imap_watch = ImapWatchMode::kOff;
  // How long a user's IMAP watch stays open after the last held request that needed it
  // ended, so a device re-Pinging at once does not cost a new connection and login.
  std::chrono::milliseconds imap_watch_linger{std::chrono::seconds(30)};
  // Interval of the per-user change check (DAV sync-token / ctag; IMAP STATUS too when no
  // mail event source is active for the user). 0 disables it.
  std::chrono::milliseconds poll_interval{std::chrono::seconds(30)};
  // On SIGTERM: held requests are answered at once; the process exits within this bound.
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(10)};
};

}  // namespace easgate
