#pragma once
// HTTP Basic credentials (RFC 7617) as EAS clients send them (MS-ASHTTP, Authorization
// request header). Pure function, thread-safe.

#include <string>
#include <string_view>

#include "backends/api/credentials.h"
#include "gateway/core/status.h"

namespace easgate {

// Parses an Authorization header value ("Basic dXNlcjpwYXNz") into mailbox credentials.
// The user part may be "user", "DOMAIN\user" or "user@domain": a Windows domain prefix is
// dropped (it names an AD domain, not a mail domain); a bare "user" gets
// "@default_domain" appended when default_domain is not empty.
// Malformed, with HTTP status 401 (the client should be asked for credentials again),
// when: not the Basic scheme, bad base64, no ':' separator, empty user, control
// characters in user or password, more than one '@' or '\', or a value over 8 KiB.
Result<Credentials> parse_basic_authorization(std::string_view header_value,
                                              const std::string& default_domain);

}  // namespace easgate
