#pragma once
// A parsed RFC 5322 / MIME message (GMime 3) and the map of its parts that the EAS
// conversions share: which leaf is the plain body, which the HTML body, which the meeting
// request, which are attachments. Parse once, then ask for fields, bodies, attachments.
//
// Pure and synchronous: no I/O, no event loop. Not thread-safe per object; distinct
// objects may be used on distinct threads (GMime is initialised once, thread-safely).
//
// Bounds: at most kMaxParts parts are mapped and containers nest at most kMaxDepth deep.
// Parts beyond either limit are neither body nor attachment (the raw MIME still has them);
// structure_truncated() then says so, so the caller can count the degraded item.

#include <gmime/gmime.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace easgate::mime {

inline constexpr size_t kMaxParts = 200;  // parts mapped per message, containers included
inline constexpr int kMaxDepth = 20;      // container nesting mapped per message

// What a mapped part is for, decided once at parse time.
enum class PartRole : uint8_t {
  kContainer,          // multipart/* or the top of the message; never shown itself
  kPlainBody,          // the text/plain body (MS-ASAIRS Body Type 1)
  kHtmlBody,           // the text/html body (Body Type 2), cid: references kept
  kCalendar,           // text/calendar of a meeting request/cancel (MS-ASEMAIL MeetingRequest)
  kAttachment,         // listed under Attachments (MS-ASAIRS 2.2.2.7)
  kAlternativeUnused,  // an alternative the device is not given (e.g. text/enriched)
  kSignature,          // application/pkcs7-signature of a multipart/signed (kept in MIME only)
  kEncrypted,          // application/pkcs7-mime or PGP payload (kept in MIME only)
};

// One mapped part. Pointers borrow from the owning MimeMessage.
struct MimePart {
  GMimeObject* object = nullptr;         // the GMime part (leaf, multipart or message/rfc822)
  std::string path;                      // IMAP section (RFC 3501 6.4.5), e.g. "2.1"; "" = top
  int depth = 0;                         // container nesting level, 0 at the top
  PartRole role = PartRole::kContainer;  // what the EAS conversion uses it for
  bool in_related = false;               // a non-root child of multipart/related (inline image)
};

// GObject reference released on destruction.
struct GObjectUnref {
  void operator()(void* p) const {
    if (p) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

class MimeMessage {
 public:
  // Parses `bytes` (CRLF or LF). Fails only when no message can be made of the bytes at
  // all (Status::malformed); broken MIME inside is mapped as well as it parses.
  [[nodiscard]] static Result<MimeMessage> parse(std::string_view bytes);

  MimeMessage(MimeMessage&&) = default;
  MimeMessage& operator=(MimeMessage&&) = default;

  GMimeMessage* gmime() const { return message_.get(); }
  // The bytes the message was parsed from (MS-ASAIRS Type 4 serves these).
  std::string_view raw() const { return raw_; }
  // Every mapped part in document order.
  const std::vector<MimePart>& parts() const { return parts_; }
  // The part with role kPlainBody / kHtmlBody / kCalendar, or nullptr.
  const MimePart* plain_body() const { return find_role(PartRole::kPlainBody); }
  const MimePart* html_body() const { return find_role(PartRole::kHtmlBody); }
  const MimePart* calendar() const { return find_role(PartRole::kCalendar); }
  // True when parts were left unmapped because of kMaxParts or kMaxDepth.
  bool structure_truncated() const { return structure_truncated_; }
  // True for multipart/signed with an S/MIME signature.
  bool smime_signed() const { return smime_signed_; }
  // True for application/pkcs7-mime (S/MIME encrypted or opaque-signed).
  bool smime_encrypted() const { return smime_encrypted_; }

  // The GMime object at IMAP section `path` ("1", "2.1", ...), walking into attached
  // messages too; nullptr when there is none.
  GMimeObject* object_at(std::string_view path) const;

 private:
  MimeMessage() = default;
  const MimePart* find_role(PartRole role) const;
  void map(GMimeObject* object, const std::string& path, int depth, bool in_related);
  void map_alternative(GMimeMultipart* multipart, const std::string& path, int depth);

  std::string raw_;
  GPtr<GMimeMessage> message_;
  std::vector<MimePart> parts_;
  bool structure_truncated_ = false;
  bool smime_signed_ = false;
  bool smime_encrypted_ = false;
  size_t alternative_start_ = SIZE_MAX;  // first part index of the innermost alternative
  bool in_alternative_ = false;          // mapping the children of multipart/alternative
};

// Decoded (transfer encoding removed) content of a leaf part; empty for containers.
std::string decoded_content(GMimeObject* object);
// Decoded content of a text leaf converted to UTF-8 from its declared charset.
std::string decoded_text(GMimeObject* object);
// A header value of `object` made valid UTF-8 ("" when absent).
std::string header_utf8(GMimeObject* object, const char* name);
// Ensures g_mime_init() ran exactly once in this process (thread-safe).
void ensure_gmime_initialized();

}  // namespace easgate::mime
