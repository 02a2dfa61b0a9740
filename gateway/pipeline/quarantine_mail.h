#pragma once
// The quarantine notice mail (Exchange sends one to the user and to the admins when a
// device enters quarantine). Sent once per device through MailSubmitter with the user's
// own credentials; a failure is logged and counted, the request is not held for it.

#include <memory>
#include <string>

#include "backends/api/credentials.h"
#include "backends/api/mail_submitter.h"

namespace easgate {

struct WorkerServices;

struct QuarantineNotice {
  std::string user;         // mailbox of the device's owner (envelope sender, recipient)
  std::string admin_email;  // second recipient; "" = none
  std::string from;         // From: header; "" = the user
  std::string device_id;    // MS-ASHTTP DeviceId
  std::string device_type;  // MS-ASHTTP DeviceType
  std::string user_agent;   // User-Agent header
  std::string reason;       // which rule quarantined it
};

// The RFC 5322 message (CRLF line ends). `date` is an RFC 5322 date-time, `message_id`
// without angle brackets.
OutgoingMessage compose_quarantine_notice(const QuarantineNotice& notice,
                                          const std::string& date,
                                          const std::string& message_id);

// Submits the notice; logs the outcome. No-op with a warning when no submitter is wired.
void send_quarantine_notice(WorkerServices& services, const Credentials& credentials,
                            const QuarantineNotice& notice);

}  // namespace easgate
