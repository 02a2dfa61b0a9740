#pragma once
// The Email items a device writes in a Sync Add (the reverse of email_item.h): a draft in
// the Drafts folder (16.0+, MS-ASEMAIL 2.2.2 with email2:Bcc, email2:Send and
// airsyncbase:Attachments Add/Delete, MS-ASAIRS 2.2.2.7) and an SMS message (class SMS,
// 14.0+, MS-ASEMAIL 2.2.2.49 MessageClass IPM.Note.Mobile.SMS). Turned into the RFC 5322
// message the gateway APPENDs to IMAP (\Draft for drafts, \Seen when Read).
//
// Pure and synchronous (GMime). Building block for the Sync engine's client Add path: it
// parses the ApplicationData, composes the message, appends it and maps the new UID to a
// ServerId in the generation it commits; for a draft with email2:Send it then submits the
// message (compose_common.h) and removes the draft.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// The header that marks a message stored for an SMS item, so a later Sync of the folder
// with Class SMS can tell SMS items from mail (IMAP SEARCH HEADER).
inline constexpr char kSmsClassHeader[] = "X-EAS-Message-Class";
// MS-ASEMAIL 2.2.2.49: the MessageClass of SMS items.
inline constexpr char kSmsMessageClass[] = "IPM.Note.Mobile.SMS";

// One airsyncbase:Attachments/Add of a draft (MS-ASAIRS 2.2.2.7.1).
struct ClientAttachmentAdd {
  std::string client_id;     // airsyncbase:ClientId: answered with the new FileReference
  std::string display_name;  // airsyncbase:DisplayName: the file name
  std::string content;       // airsyncbase:Content: the bytes
  std::string content_type;  // airsyncbase:ContentType; empty: application/octet-stream
  std::string content_id;    // airsyncbase:ContentId (inline images); may be empty
  bool is_inline = false;    // airsyncbase:IsInline
};

// The ApplicationData of a client Add, as far as mail and SMS items use it.
struct ClientEmailItem {
  std::string to;             // email:To, RFC 5322 address list as the device wrote it
  std::string cc;             // email:Cc
  std::string bcc;            // email2:Bcc (drafts, 16.0)
  std::string from;           // email:From (SMS: the sender); empty: the user
  std::string subject;        // email:Subject
  int importance = 1;         // email:Importance 0 low, 1 normal, 2 high
  int64_t date_received = 0;  // email:DateReceived (SMS), epoch seconds; 0: now
  bool read = false;          // email:Read
  bool html = false;          // airsyncbase:Body Type 2 (else plain text)
  std::string body;           // airsyncbase:Body Data, UTF-8
  bool sms = false;           // class SMS (or MessageClass IPM.Note.Mobile.SMS)
  bool send = false;          // email2:Send: submit the draft once stored (16.0)
  std::vector<ClientAttachmentAdd> attachment_adds;  // Attachments/Add, request order
  std::vector<std::string> attachment_deletes;       // Attachments/Delete FileReferences
};

// Reads `application_data` (AirSync:ApplicationData). `class_name` is the Add's (or the
// collection's) AirSync:Class. invalid_argument for an item that cannot be stored (no
// body and no subject and no recipients, a Body Type other than 1 or 2, an attachment
// without content); never crashes on anything else.
[[nodiscard]] Result<ClientEmailItem> parse_client_email_item(const WbxmlElement& application_data,
                                                              std::string_view class_name);

// The RFC 5322 message (CRLF) for `item`; `user_address` is the From of a draft and the
// To of a received SMS that names none. `now` (epoch seconds) dates drafts.
std::string compose_client_email(const ClientEmailItem& item, std::string_view user_address,
                                 int64_t now);

}  // namespace easgate
