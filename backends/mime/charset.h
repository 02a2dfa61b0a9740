#pragma once
// Text decoding for mail: every string the gateway hands to a device is valid UTF-8
// (MS-ASEMAIL InternetCPID 65001 once converted), whatever the message declared.

#include <cstddef>
#include <string>
#include <string_view>

namespace easgate::mime {

// Converts `bytes` in MIME charset `charset` to UTF-8. Undecodable bytes and NUL (which
// WBXML strings cannot carry) become U+FFFD; never fails. An empty, us-ascii or unknown charset is
// read as UTF-8 when the bytes are valid UTF-8 and as windows-1252 otherwise (what 8-bit mail
// without a label usually is). ISO-8859-1 is read as its superset windows-1252, GB2312 as GB18030
// and Shift_JIS as CP932, the way mail clients do (WHATWG Encoding Standard labels).
std::string to_utf8(std::string_view bytes, std::string_view charset);

// `text` with every invalid UTF-8 sequence and every NUL replaced by U+FFFD.
std::string make_valid_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a
// UTF-8 sequence (MS-ASAIRS TruncationSize counts bytes; a device must never see half a
// character).
std::string_view utf8_prefix(std::string_view text, size_t max_bytes);

// Number of characters (code points) in valid UTF-8 `text`.
size_t utf8_length(std::string_view text);

}  // namespace easgate::mime
