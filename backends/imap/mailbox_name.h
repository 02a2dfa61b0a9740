#pragma once
// IMAP mailbox names: modified UTF-7 (RFC 3501 5.1.3) <-> UTF-8, and hierarchy helpers.
// Pure functions, thread-safe.

#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace easgate {

// Decodes a modified UTF-7 mailbox name ("Entw&APw-rfe") to UTF-8 ("Entwürfe").
// Malformed when a shift sequence is unterminated, uses non-base64 characters, encodes
// printable ASCII, has non-zero pad bits or an unpaired UTF-16 surrogate.
Result<std::string> mutf7_to_utf8(std::string_view mutf7);

// Encodes UTF-8 to modified UTF-7 for sending a name the user typed. Malformed on invalid
// UTF-8.
Result<std::string> utf8_to_mutf7(std::string_view utf8);

// Last hierarchy level of `name` ("Archive/2024" -> "2024"); the whole name when
// `delimiter` is 0 or absent.
std::string_view mailbox_leaf(std::string_view name, char delimiter);

// Parent of `name` ("Archive/2024" -> "Archive"); empty for a top-level mailbox.
std::string_view mailbox_parent(std::string_view name, char delimiter);

}  // namespace easgate
