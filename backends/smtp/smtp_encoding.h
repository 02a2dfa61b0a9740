#pragma once
// What the SMTP client puts on the wire besides commands: the DATA payload (line ends and
// dot-stuffing), envelope address checks and the SASL base64 encoding. Pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace easgate {

// The message as sent after DATA: every line end is CRLF (a bare LF or CR becomes CRLF,
// RFC 5321 2.3.8), a line starting with '.' gets one more '.' (RFC 5321 4.5.2), the last
// line is CRLF-terminated and ".\r\n" ends the data.
std::string smtp_data_payload(std::string_view rfc822);

// Octets of `rfc822` once its line ends are CRLF, without stuffing: the SIZE= value
// (RFC 1870 4: the size of the message as transmitted, before stuffing is fine).
uint64_t smtp_message_size(std::string_view rfc822);

// True when any octet is >= 0x80.
bool has_8bit(std::string_view text);

// Checks an envelope address before it goes into MAIL FROM:<...> / RCPT TO:<...>: no
// CR, LF, NUL, '<', '>' or unquoted space (they would inject commands or break the path),
// at most 256 octets (RFC 5321 4.5.3.1.3 path limit). `what` names it in the error.
// The empty address is allowed only when `allow_empty` (the null reverse-path "<>").
Status check_envelope_address(std::string_view address, bool allow_empty, std::string_view what);

// RFC 4648 base64 with padding, for SASL (RFC 4954 4).
std::string smtp_base64_encode(std::string_view data);

// base64 of the RFC 4616 2 PLAIN message "" NUL user NUL password (no authzid), for
// AUTH PLAIN. The intermediate copy is wiped; the caller wipes the result after use.
std::string sasl_plain_response(std::string_view user, std::string_view password);

}  // namespace easgate
