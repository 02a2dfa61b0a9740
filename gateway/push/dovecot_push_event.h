#pragma once
// The JSON body Dovecot's push_notification OX driver sends (Dovecot 2.3
// push-notification-driver-ox.c, event MessageNew only):
//   {"user":"alice@example.test","event":"messageNew","folder":"INBOX",
//    "imap-uidvalidity":123,"imap-uid":45,"from":"...","subject":"...","snippet":"..."}
// "user" is the metadata value of /private/vendor/vendor.dovecot/http-notify after "user="
// (with user_from_metadata) or Dovecot's login name. Pure parsing; fuzzed.

#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace easgate {

struct DovecotPushEvent {
  std::string user;    // mailbox user as Dovecot names it ("alice" or "alice@example.test")
  std::string event;   // "messageNew" (others are accepted and treated as a change)
  std::string folder;  // IMAP mailbox name; "" when absent (then every folder is checked)
};

// kMalformed when the body is not a JSON object with a non-empty string "user". Unknown
// members are ignored; the message content (from, subject, snippet) is never kept.
Result<DovecotPushEvent> parse_dovecot_push_event(std::string_view body);

// The gateway's user id for a Dovecot user name: `default_domain` appended to a bare name,
// lower-cased (the auth check derives user ids the same way).
std::string push_user_id(std::string_view dovecot_user, const std::string& default_domain);

}  // namespace easgate
