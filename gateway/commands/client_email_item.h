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
#include <utility>
#include <vector>

#include "backends/mime/email_fields.h"
#include "gateway/core/status.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// The header that marks a message stored for an SMS item, so a later Sync of the folder
// can tell SMS items from mail (email_fields.h reads it back as the MessageClass).
inline constexpr const char* kSmsClassHeader = mime::kMessageClassHeader;
// MS-ASEMAIL 2.2.2.49: the MessageClass of SMS items.
inline constexpr const char* kSmsMessageClass = mime::kSmsMessageClass;

// One airsyncbase:Attachments/Add of a draft (MS-ASAIRS 2.2.2.7.1).
struct ClientAttachmentAdd {
  std::string client_id;     // airsyncbase:ClientId: answered with the new FileReference
  std::string display_name;  // airsyncbase:DisplayName: the file name
  std::string content;       // airsyncbase:Content: the bytes
  std::string content_type;  // airsyncbase:ContentType; empty: application/octet-stream
  std::string content_id;    // airsyncbase:ContentId (inline images); may be empty
  bool is_inline = false;    // airsyncbase:IsInline
  std::string section;       // IMAP section of an attachment kept from the stored draft; "" new
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

// True when a Change's ApplicationData touches what only a 16.0 draft may change
// (MS-ASCMD 2.2.3.24 Change of a draft): recipients, Subject, Importance, Body,
// Attachments or email2:Send. Read, Flag and Categories alone are a plain flag change.
bool has_draft_content(const WbxmlElement& application_data);

// A stored draft (RFC 5322 bytes) read back into the form a client Add has, so a Change
// can be laid over it: To/Cc/Bcc/Subject/Importance, the body (HTML when it has one) and
// every attachment with its content and IMAP section. malformed when it is not MIME.
[[nodiscard]] Result<ClientEmailItem> client_email_item_from_message(std::string_view raw);

// Lays a 16.0 draft Change over `item` (MS-ASCMD 2.2.3.24): elements sent replace the
// stored ones, elements absent stay; Attachments/Delete removes the attachment whose
// FileReference it names (`server_id` is the draft's: a reference of another item is
// refused), Attachments/Add appends. invalid_argument for a reference that names no
// attachment of this draft, a Body Type other than 1 or 2 or an attachment without content;
// `item` may then be half changed (the caller stores nothing).
[[nodiscard]] Status apply_client_email_change(const WbxmlElement& application_data,
                                               std::string_view server_id, ClientEmailItem* item);

// The attachments `item` adds (a ClientId, no stored section), paired with the IMAP
// section each has in `message`, the message compose_client_email made of `item`: what
// the Sync response names them by (ClientId + FileReference, MS-ASAIRS 2.2.2.14). Empty
// when the message's attachments do not line up with the item's.
std::vector<std::pair<std::string, std::string>> new_attachment_sections(
    const ClientEmailItem& item, std::string_view message);

// The RFC 5322 message (CRLF) for `item`; `user_address` is the From of a draft and the
// To of a received SMS that names none. `now` (epoch seconds) dates drafts.
std::string compose_client_email(const ClientEmailItem& item, std::string_view user_address,
                                 int64_t now);

}  // namespace easgate
