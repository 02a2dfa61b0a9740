#pragma once
// The Email class item (MS-ASEMAIL 2.2.2, MS-ASAIRS 2.2.2, MS-ASCON 2.2.2) of one IMAP
// message as EAS sends it: the children of AirSync:ApplicationData in Sync, of
// ItemOperations:Properties in ItemOperations Fetch and of Search:Properties in Search.
// Shared by Sync, ItemOperations and Search so every command shows a message the same way.
//
// Pure and synchronous: the caller fetched the summary and the raw message; this file only
// converts. Never fails: a message that does not parse as MIME still gets its envelope
// fields and an empty body (the item is reported, never dropped).
//
// FileReference format (MS-ASAIRS 2.2.2.24, opaque to the client):
//     "<ServerId>:<IMAP section>"  e.g. "7:42:2.1"
// where ServerId is the Sync ServerId of the message ("<collection>:<n>", itself made of
// the CollectionId and an item number) and the section is the IMAP BODY[] section of the
// attachment part (RFC 3501 6.4.5; never contains ':'). ItemOperations resolves it with
// parse_file_reference(): collection -> folder, ServerId -> UID through the state store,
// section -> BODY.PEEK[<section>] (mime::extract_attachment for the decoded bytes). At most
// kMaxFileReferenceLength characters.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/mail_store.h"
#include "backends/mime/email_body.h"
#include "backends/mime/mime_message.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

struct ProvisioningPolicy;

// Longest FileReference made: a 64-char ServerId, ':' and a section of nested parts.
inline constexpr size_t kMaxFileReferenceLength = 160;

// How the device wants Email items shown: the Sync Options of a collection (MS-ASCMD
// 2.2.3.123), the ItemOperations Fetch Options or the Search Options, after the policy
// clamps (apply_policy). Defaults are what a request without Options gets.
struct EmailItemOptions {
  // Protocol of the request: picks 2.5 email:Body vs 12.0+ airsyncbase:Body, and whether
  // 14.0+ elements (ConversationId, LastVerbExecuted, ...) and 16.x ones are sent.
  ProtocolVersion version = ProtocolVersion::v14_1();
  // airsyncbase:BodyPreference entries in request order (12.0+). The first one whose Type
  // the gateway can serve is used; empty: plain text, whole (MS-ASAIRS 2.2.2.11).
  std::vector<mime::BodyRequest> body_preferences;
  // airsyncbase:BodyPartPreference (16.0+, MS-ASAIRS 2.2.2.12); adds airsyncbase:BodyPart.
  std::optional<mime::BodyRequest> body_part_preference;
  // AirSync:MIMESupport (MS-ASCMD 2.2.3.100.1): when MIME is sent instead of a converted body.
  mime::MimeSupport mime_support = mime::MimeSupport::kNever;
  // AirSync:MIMETruncation in bytes (MS-ASCMD 2.2.3.101); none: whole MIME.
  std::optional<uint32_t> mime_truncation;
  // 2.5 AirSync:Truncation in bytes (MS-ASCMD 2.2.3.176); none: whole body.
  std::optional<uint32_t> truncation_2_5;
  // Policy AttachmentsEnabled: false drops the Attachments element entirely.
  bool attachments_enabled = true;
  // Policy MaxAttachmentSize in bytes: larger attachments are not listed; 0: no limit.
  uint64_t max_attachment_size = 0;
  // Policy AllowHTMLEmail: false serves plain text where HTML was asked for.
  bool allow_html = true;
  // Policy MaxEmailBodyTruncationSize in bytes (plain text); none: no limit.
  std::optional<uint32_t> max_plain_truncation;
  // Policy MaxEmailHTMLBodyTruncationSize in bytes; none: no limit.
  std::optional<uint32_t> max_html_truncation;
  // User's own addresses, for email2:ReceivedAsBcc; empty: never ReceivedAsBcc.
  std::vector<std::string> user_addresses;
};

// Reads BodyPreference / BodyPartPreference / MIMESupport / MIMETruncation / Truncation from
// an Options element (AirSync, ItemOperations or Search page: the children are the same
// AirSync/AirSyncBase tags). `options` may be null (no Options sent). Never fails: values
// out of range are ignored (the defaults apply).
EmailItemOptions parse_email_options(const WbxmlElement* options, ProtocolVersion version);

// Clamps `options` to the device's provisioning policy (MS-ASPROV 2.2.2.x AllowHTMLEmail,
// AttachmentsEnabled, MaxAttachmentSize, MaxEmailBodyTruncationSize,
// MaxEmailHTMLBodyTruncationSize): the server enforces them even when the device ignores
// them.
void apply_policy(const ProvisioningPolicy& policy, EmailItemOptions* options);

// Appends the Email item children (To, From, Subject, DateReceived, Read, Flag, Body,
// Attachments, ConversationId, ...) of the message to `out`, the ApplicationData (or
// Properties) element. Reads only uid, flags, internal_date and size of `summary`;
// `raw_message` is the whole RFC 5322 message (BODY.PEEK[]). `server_id` is the item's
// Sync ServerId (FileReferences are built from it).
void append_email_item(const MessageSummary& summary, std::string_view raw_message,
                       const EmailItemOptions& options, std::string_view server_id,
                       WbxmlElement& out);

// Same, with a message the caller already parsed (Search parses once for snippets).
void append_email_item(const MessageSummary& summary, const mime::MimeMessage& message,
                       const EmailItemOptions& options, std::string_view server_id,
                       WbxmlElement& out);

// MS-ASMS 2.2.2.2.1.2: an SMS item travels in the Inbox collection with AirSync:Class SMS
// on its Add (14.0+). Given a Sync Add whose ApplicationData is already built, inserts
// Class before the ServerId when the item's MessageClass is IPM.Note.Mobile.SMS.
void mark_sms_class(ProtocolVersion version, WbxmlElement& add);

// True when the raw RFC 5322 message is an SMS item (its X-EAS-Message-Class header is
// IPM.Note.Mobile.SMS, the test the Email fields use). Reads the header block only.
bool is_sms_message(std::string_view raw_message);

// Appends only the mutable state of a message (email:Read, email:Flag, email:Categories,
// email2:LastVerbExecuted/Time for 14.0+): what a Sync Change of a flag update carries.
void append_email_flag_state(const MessageFlags& flags, ProtocolVersion version,
                             WbxmlElement& out);

// FileReference of attachment `section` of the item `server_id` (format above).
std::string make_file_reference(std::string_view server_id, std::string_view section);

// A FileReference taken apart.
struct FileReferenceParts {
  // Sync CollectionId of the folder (the part of the ServerId before its ':').
  std::string collection_id;
  // Sync ServerId of the message ("<collection>:<n>").
  std::string server_id;
  // IMAP section of the attachment part ("2", "1.3").
  std::string section;
};

// Parses a FileReference made by make_file_reference; nullopt for anything else
// (ItemOperations Status 15/6 for the caller).
std::optional<FileReferenceParts> parse_file_reference(std::string_view reference);

// EAS category name (UTF-8, any characters) <-> IMAP keyword atom (RFC 3501 flag-keyword).
// A name that is already a plain atom (ASCII, no specials, not starting with '$' or '\')
// is used as is; any other is "$Category_" + hex of its UTF-8 bytes, so it round-trips.
std::string category_to_keyword(std::string_view category);
// The category a keyword shows as, or nullopt for keywords that are not categories (those
// starting with '$' other than "$Category_", e.g. $Forwarded, $MDNSent, $Junk).
std::optional<std::string> keyword_to_category(std::string_view keyword);

}  // namespace easgate
