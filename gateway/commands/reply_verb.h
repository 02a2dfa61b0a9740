#pragma once
// Which MS-ASEMAIL 2.2.2.46 LastVerbExecuted a SmartReply carried out. The command itself
// does not say reply or reply-all (MS-ASCMD 2.2.1.20 has one SmartReply); like Exchange,
// the gateway reads it from the recipients: a reply that goes to anyone of the original's
// To/Cc besides its sender (and besides the user) is a reply to all. Pure.

#include <string_view>

namespace easgate {

// MS-ASEMAIL 2.2.2.46 LastVerbExecuted values.
enum LastVerb : int {
  kLastVerbNone = 0,           // no verb recorded
  kLastVerbReplyToSender = 1,  // REPLYTOSENDER
  kLastVerbReplyToAll = 2,     // REPLYTOALL
  kLastVerbForward = 3,        // FORWARD
};

// kLastVerbReplyToAll when `reply_mime`'s To/Cc/Bcc include an address of `original`'s
// To or Cc other than the original's From / Sender / Reply-To and other than `user`;
// kLastVerbReplyToSender otherwise (also when either message cannot be parsed).
int reply_verb(std::string_view original, std::string_view reply_mime, std::string_view user);

}  // namespace easgate
