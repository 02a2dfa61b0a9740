#pragma once
// Attachments of a message (MS-ASAIRS 2.2.2.7 Attachments) and their content for
// ItemOperations Fetch by FileReference.
//
// FileReference design: the part's IMAP section ("2", "1.3", "3.2" inside an attached
// message walks into it). The caller prefixes folder and item ids, e.g.
// "<collection>:<server id>:<section>"; the section alone lets the IMAP layer fetch just
// BODY.PEEK[<section>] for a large attachment instead of the whole message.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backends/mime/mime_message.h"

namespace easgate::mime {

// MS-ASAIRS 2.2.2.28 Method values this converter produces.
enum class AttachmentMethod : uint8_t {
  kNormal = 1,    // a regular file attachment (also inline images)
  kEmbedded = 5,  // an attached message/rfc822
  kOle = 6,       // never produced: OLE objects exist only in Exchange-native items
};

// One airsyncbase:Attachment.
struct EasAttachment {
  std::string display_name;    // airsyncbase:DisplayName (RFC 2231/2047 decoded, UTF-8)
  std::string file_reference;  // airsyncbase:FileReference part: the IMAP section
  AttachmentMethod method = AttachmentMethod::kNormal;  // airsyncbase:Method
  uint64_t estimated_data_size = 0;  // airsyncbase:EstimatedDataSize: decoded size estimate
  std::string content_id;            // airsyncbase:ContentId without <>, "" when absent
  std::string content_location;      // airsyncbase:ContentLocation, "" when absent
  bool is_inline = false;            // airsyncbase:IsInline: shown inside the HTML body
  std::string content_type;          // "image/png"; not sent in Sync, useful for Fetch
};

// The attachments of `message` in document order; at most kMaxParts.
std::vector<EasAttachment> list_attachments(const MimeMessage& message);

// The content of an attachment, as ItemOperations Fetch returns it.
struct AttachmentContent {
  std::string data;          // decoded bytes (an attached message: its RFC 5322 bytes)
  std::string content_type;  // airsyncbase:ContentType, e.g. "application/pdf"
  std::string file_name;     // the DisplayName of list_attachments()
};

// Decoded content of the part at IMAP section `file_reference`. not_found when no such
// part exists or it is a container (MS-ASCMD ItemOperations Status 6 for the caller).
[[nodiscard]] Result<AttachmentContent> extract_attachment(const MimeMessage& message,
                                                           std::string_view file_reference);

}  // namespace easgate::mime
