#pragma once
// Sends a complete RFC 5322 message through the mail submission service (SMTP submission,
// RFC 6409) as the user, with the user's own credentials. One instance per worker event
// loop; callbacks run on that loop, never inline. Implementations: backends/smtp.

#include <functional>
#include <string>
#include <vector>

#include "backends/api/credentials.h"
#include "gateway/core/status.h"

namespace easgate {

struct OutgoingMessage {
  // SMTP envelope sender (MAIL FROM); usually the user's address.
  std::string envelope_from;
  // SMTP envelope recipients (RCPT TO), bare addresses. Taken from To/Cc/Bcc by the caller.
  std::vector<std::string> envelope_to;
  // The complete message, CRLF line ends, as it will be delivered.
  std::string rfc822;
};

class MailSubmitter {
 public:
  virtual ~MailSubmitter() = default;
  // ok only once the server accepted the message for delivery (250 after DATA).
  // kAuthFailed: credentials refused; kInvalidArgument: a recipient or the sender was
  // refused (message names which); kTooLarge: over the server's SIZE; kBackendUnavailable /
  // kTimeout: not sent, may be retried. A message is never reported sent when it was not.
  virtual void submit(const Credentials& credentials, OutgoingMessage message,
                      std::function<void(Status)> done) = 0;
};

}  // namespace easgate
