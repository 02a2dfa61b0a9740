#pragma once
// Mail a device sends (MS-ASCMD 2.2.1.15 SendMail, 2.2.1.17 SmartForward, 2.2.1.18
// SmartReply): the client's MIME completed with the original message, and the envelope
// and wire form for SMTP submission.

#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace easgate::mime {

// SmartReply: `client_mime` plus, unless `replace_mime` (MS-ASCMD 2.2.3.142 ReplaceMime),
// the original's text quoted below the client's text: "> " lines after an attribution
// line in text/plain, a <blockquote type="cite"> before </body> in text/html. Sets
// In-Reply-To and References (RFC 5322 3.6.4) unless the client did. The client's other
// headers are kept, Bcc included (strip it with strip_bcc() for the wire). CRLF output.
// malformed when either input is not a message.
[[nodiscard]] Result<std::string> compose_reply(std::string_view original_bytes,
                                                std::string_view client_mime, bool replace_mime);

// SmartForward: like compose_reply but the original is introduced by a "Forwarded
// message" block instead of quoted, and its attachments (inline images included, so cid:
// references keep working) are attached after the client's own. No In-Reply-To.
[[nodiscard]] Result<std::string> compose_forward(std::string_view original_bytes,
                                                  std::string_view client_mime, bool replace_mime);

// Every To, Cc and Bcc address of `mime` (groups expanded), each once, in order; the SMTP
// RCPT TO list. malformed when `mime` is not a message; may be empty.
[[nodiscard]] Result<std::vector<std::string>> envelope_recipients(std::string_view mime);

// `mime` without its Bcc header (RFC 5322 3.6.3: Bcc recipients stay hidden) and with
// every bare LF turned into CRLF (RFC 5321 2.3.8). Byte-level, so signed content is kept.
std::string strip_bcc(std::string_view mime);

// `text` with every bare LF turned into CRLF.
std::string to_crlf(std::string_view text);

}  // namespace easgate::mime
