#pragma once
// Who may call the admin API: a bearer token (RFC 6750 section 2.1) equal to admin.token,
// and an optional self-declared operator name for the audit log.

#include <string>
#include <string_view>

namespace easgate {

// True when `authorization` is "Bearer <token>" with exactly `expected`. Compared in
// constant time over SHA-256 digests, so neither content nor length leaks through timing.
// An empty `expected` (no token configured) never matches.
bool bearer_token_matches(std::string_view authorization, std::string_view expected);

// The audit actor for a caller: "admin-api", or "admin-api/<name>" when the client sent an
// X-Easgate-Actor header (the CLI sends $USER). The name is self-declared — the token is
// the authentication — so it is cut to 64 characters of [A-Za-z0-9._@-].
std::string admin_actor(std::string_view declared_name);

}  // namespace easgate
