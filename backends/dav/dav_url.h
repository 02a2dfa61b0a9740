#pragma once
// URL arithmetic for DAV: hrefs in a multistatus are absolute paths ("/alice/calendar/"),
// absolute URLs, or (rarely) relative references, all resolved against the URL the
// response came from (RFC 4918 section 8.3, RFC 3986 section 5). Thread-safe.

#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace easgate {

// `reference` resolved against `base`; kInvalidArgument when either cannot be parsed.
[[nodiscard]] Result<std::string> resolve_dav_url(const std::string& base,
                                                  std::string_view reference);

// Path of an absolute URL, still percent-encoded, e.g. "/alice/calendar/"; "/" when the URL
// has none; empty when the URL cannot be parsed.
std::string dav_url_path(const std::string& url);

// Percent-decoded path with a trailing '/', for comparing two hrefs of one collection that
// servers spell differently ("/a%40b/" vs "/a@b", with or without the slash).
std::string dav_path_key(std::string_view path);

// RFC 3986 section 3.3: unreserved characters and '@' as they are, everything else
// percent-encoded, for one path segment (a login, a new resource or collection name).
std::string dav_encode_segment(std::string_view segment);

// Last non-empty segment of a path, percent-decoded: "/alice/My%20Cal/" -> "My Cal".
std::string dav_last_segment(std::string_view path);

}  // namespace easgate
