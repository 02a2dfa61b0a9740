#pragma once
// Bodies per MS-ASAIRS BodyPreference / BodyPartPreference: the text a device asked for,
// in the type it asked for, truncated the way it asked.

#include <cstdint>
#include <optional>
#include <string>

#include "backends/mime/mime_message.h"

namespace easgate::mime {

// MS-ASAIRS 2.2.2.22.1 Body Type values.
enum class BodyType : uint8_t {
  kPlain = 1,  // plain text, from text/plain or converted from HTML
  kHtml = 2,   // HTML, from text/html or escaped plain text; cid: references kept
  kRtf = 3,    // not produced: served as kPlain instead (the result says so)
  kMime = 4,   // the whole RFC 5322 message as received
};

// One BodyPreference (or BodyPartPreference) of the request.
struct BodyRequest {
  BodyType type = BodyType::kPlain;         // airsyncbase:Type
  std::optional<uint32_t> truncation_size;  // airsyncbase:TruncationSize in bytes; none = all
  bool all_or_none = false;                 // airsyncbase:AllOrNone: too big means no data at all
  uint32_t preview_size = 0;  // airsyncbase:Preview in characters (0 = none; capped at 255)
};

// The airsyncbase:Body (or BodyPart) to send.
struct EasBody {
  BodyType type = BodyType::kPlain;  // airsyncbase:Type actually served
  std::string data;                  // airsyncbase:Data: UTF-8 (raw bytes for kMime)
  uint64_t estimated_data_size = 0;  // airsyncbase:EstimatedDataSize: full body in `type`
  bool truncated = false;            // airsyncbase:Truncated
  std::string preview;               // airsyncbase:Preview, "" when not asked for
};

// Builds the body of `message` for `request`. Never fails: a message without any text
// gives an empty body of the requested type. Truncation never splits a UTF-8 sequence
// (kMime is cut at a byte boundary, MIMETruncation being a byte count); with AllOrNone a
// body larger than TruncationSize has no data and Truncated set (MS-ASAIRS 2.2.2.4).
// BodyPartPreference (16.0, MS-ASAIRS 2.2.2.11) is the same call with kHtml.
EasBody make_body(const MimeMessage& message, const BodyRequest& request);

// The message's readable text as UTF-8 plain text (format=flowed undone, HTML converted
// when there is no text/plain); what Preview and Search snippets are cut from.
std::string plain_text_of(const MimeMessage& message);

// The message's HTML as UTF-8 (plain text escaped and wrapped when there is no HTML).
std::string html_of(const MimeMessage& message);

// MS-ASCMD 2.2.3.100.1 MIMESupport values.
enum class MimeSupport : uint8_t {
  kNever = 0,      // never send MIME
  kSmimeOnly = 1,  // send MIME for S/MIME messages only
  kAlways = 2,     // send MIME for every message
};

// True when the device should get the whole MIME (Type 4) instead of a converted body:
// always for kAlways, for signed/encrypted messages with kSmimeOnly.
bool should_send_mime(const MimeMessage& message, MimeSupport support);

// Undoes RFC 3676 format=flowed (soft line breaks, space-stuffing; DelSp).
std::string unflow_text(std::string_view text, bool delsp);

}  // namespace easgate::mime
