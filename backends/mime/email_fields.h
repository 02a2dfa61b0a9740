#pragma once
// The Email class fields of a message (MS-ASEMAIL 2.2.2) and the conversation fields of
// MS-ASCON, computed from a parsed MimeMessage. Bodies and attachments: email_body.h and
// attachments.h.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/mime/mime_message.h"

namespace easgate::mime {

// The header that carries an EAS MessageClass the MIME structure cannot express: SMS
// items (MS-ASEMAIL 2.2.2.49 IPM.Note.Mobile.SMS, MS-ASMS) are stored as RFC 5322 messages
// with it, so they read back as SMS.
inline constexpr char kMessageClassHeader[] = "X-EAS-Message-Class";
inline constexpr char kSmsMessageClass[] = "IPM.Note.Mobile.SMS";
// An SMS item's From and To exactly as the device wrote them (phone numbers such as
// "[MOBILE:+14255550100]" are not RFC 5322 addresses); shown instead of From/To.
inline constexpr char kSmsFromHeader[] = "X-EAS-SMS-From";
inline constexpr char kSmsToHeader[] = "X-EAS-SMS-To";

// What the caller knows about the message beyond its bytes.
struct EmailContext {
  std::optional<int64_t> internal_date;     // IMAP INTERNALDATE, Unix seconds (DateReceived)
  std::vector<std::string> user_addresses;  // the mailbox owner's addresses (ReceivedAsBcc)
};

// MS-ASEMAIL Importance values.
enum class Importance : uint8_t {
  kLow = 0,     // Importance: low, X-Priority 4-5
  kNormal = 1,  // default
  kHigh = 2,    // Importance: high, X-Priority 1-2
};

// MS-ASEMAIL 2.2.2.55 NativeBodyType values.
enum class NativeBodyType : uint8_t {
  kPlain = 1,  // only a text/plain body
  kHtml = 2,   // an HTML body exists (alone or as the preferred alternative)
  kRtf = 3,    // never produced: IMAP mail has no RTF body
};

// The Email class of one message, every string UTF-8.
struct EasEmailFields {
  std::string to;             // email:To, "Name" <addr>, comma separated (MS-ASEMAIL 2.2.2.79)
  std::string cc;             // email:Cc, same format
  std::string from;           // email:From, same format, first From mailbox
  std::string reply_to;       // email:ReplyTo, same format (semicolon-free)
  std::string subject;        // email:Subject, RFC 2047 decoded
  int64_t date_received = 0;  // email:DateReceived, Unix seconds (INTERNALDATE, else Date)
  std::string display_to;     // email:DisplayTo, display names of To joined by "; "
  std::string thread_topic;   // email:ThreadTopic, Thread-Topic or subject without Re:/Fwd:
  Importance importance = Importance::kNormal;  // email:Importance
  std::string message_class;  // email:MessageClass, e.g. "IPM.Note" (MS-ASEMAIL 2.2.2.49)
  int internet_cpid = 65001;  // email:InternetCPID; 65001 since every string is UTF-8
  std::string content_class;  // email:ContentClass, urn:content-classes:message|calendarmessage
  NativeBodyType native_body_type = NativeBodyType::kPlain;  // airsyncbase:NativeBodyType
  std::string conversation_id;       // email2:ConversationId, 16 raw bytes (MS-ASCON 2.2.2.3)
  std::string conversation_index;    // email2:ConversationIndex, raw bytes (MS-ASCON 2.2.2.4)
  bool received_as_bcc = false;      // email2:ReceivedAsBcc: no user address in To or Cc
  std::string sender;                // email2:Sender when Sender differs from From, else ""
  std::string calendar;              // the text/calendar part (UTF-8) of a meeting message, or ""
  std::string message_id;            // Message-ID without <>, for replies and dedup; "" when absent
  bool has_attachments = false;      // at least one part has PartRole::kAttachment
  bool structure_truncated = false;  // kMaxParts/kMaxDepth hit: some parts not shown
};

// Computes the Email fields of `message`. Never fails; a missing header leaves its field
// empty (or at the spec default).
EasEmailFields extract_email_fields(const MimeMessage& message, const EmailContext& context);

// MS-ASDTYPE 2.3 date-time string of Unix seconds: "2026-11-27T08:00:00.000Z".
std::string format_eas_date(int64_t unix_seconds);

// Subject without reply/forward prefixes ("Re:", "Fwd:", "AW:", "WG:", "SV:" ...).
std::string normalize_subject(std::string_view subject);

// 16-byte ConversationId of a thread whose root Message-ID is `root_message_id`
// (MD5 of the lower-cased id without <>): stable across syncs and gateway nodes.
std::string conversation_id_for(std::string_view root_message_id);

// 5-byte MS-ASCON ConversationIndex header: FILETIME of `unix_seconds`, bits 63..24,
// big-endian (the same 40 bits MS-OXOMSG 2.2.1.3 puts in PidTagConversationIndex).
std::string conversation_index_header(int64_t unix_seconds);

// Formats an InternetAddressList the way EAS shows addresses: "Name" <addr>, ...
std::string format_address_list(InternetAddressList* list);

}  // namespace easgate::mime
