#pragma once
// WebDAV XML: parses a 207 Multi-Status body (RFC 4918 section 13) into per-href property
// values, and writes PROPFIND request bodies. Namespace-aware: properties are matched by
// namespace URI, never by prefix (servers pick any prefix: "d:", "D:", "x1:", none).
//
// Parsing is safe on hostile input: size limit, no network access, any DTD is refused
// (so no entity expansion at all), element depth limit. Thread-safe (no shared state).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/core/status.h"

namespace easgate {

inline constexpr std::string_view kDavNs = "DAV:";
inline constexpr std::string_view kCalDavNs = "urn:ietf:params:xml:ns:caldav";
inline constexpr std::string_view kCardDavNs = "urn:ietf:params:xml:ns:carddav";
inline constexpr std::string_view kCalendarServerNs = "http://calendarserver.org/ns/";

// Default body limit for a multistatus: a Depth:1 PROPFIND on a large home is small, a
// calendar-multiget of many events is not.
inline constexpr size_t kMaxMultistatusBytes = 32 * 1024 * 1024;
// Deepest element nesting accepted; real multistatus bodies stay under 10.
inline constexpr int kMaxDavXmlDepth = 64;

// A qualified XML name.
struct DavName {
  // Namespace URI, e.g. "DAV:"; empty for no namespace.
  std::string ns;
  // Local name, e.g. "displayname".
  std::string name;
};

// A child element of a property value: <D:href>..</D:href>, <C:comp name="VEVENT"/>,
// <D:collection/>. One level is enough for every property discovery needs.
struct DavElement {
  // Namespace URI of the child element.
  std::string ns;
  // Local name of the child element.
  std::string name;
  // Text content, whitespace-trimmed (hrefs, privilege names).
  std::string text;
  // Attributes without namespace, in document order (e.g. {"name", "VEVENT"}).
  std::vector<std::pair<std::string, std::string>> attributes;

  // Value of attribute `key`, or empty.
  std::string attribute(std::string_view key) const;
};

// One property of one resource as the server reported it with a 2xx propstat.
struct DavProperty {
  // Namespace URI of the property.
  std::string ns;
  // Local name of the property.
  std::string name;
  // Text content, untrimmed (calendar-data keeps its trailing newline; XML 1.0 section 2.11
  // turns its CRLFs into LF); use text_trimmed() for tokens such as getctag or displayname.
  std::string text;
  // Direct child elements in order (hrefs, resourcetype markers, comp entries).
  std::vector<DavElement> children;

  std::string text_trimmed() const;
  // Texts of the DAV:href children, trimmed, in order.
  std::vector<std::string> hrefs() const;
  // True when a direct child element ns:name exists (e.g. resourcetype has DAV:collection).
  bool has_child(std::string_view ns, std::string_view name) const;
};

// One DAV:response element.
struct DavResponse {
  // DAV:href as sent (percent-encoded; absolute path or absolute URL), whitespace-trimmed.
  std::string href;
  // Status code of a response-level DAV:status (RFC 6578 reports deleted members as 404
  // this way); 0 when the response carries propstats instead.
  int status = 0;
  // Properties reported with a 2xx propstat status.
  std::vector<DavProperty> properties;
  // Properties reported with any other status (404 not found, 403 forbidden).
  std::vector<DavName> missing;

  // The 2xx property ns:name, or nullptr.
  const DavProperty* find(std::string_view ns, std::string_view name) const;
};

// A parsed multistatus body.
struct Multistatus {
  // DAV:response elements in document order.
  std::vector<DavResponse> responses;
  // Top-level DAV:sync-token of a sync-collection REPORT (RFC 6578 section 6.4); empty if none.
  std::string sync_token;
};

// Parses a 207 body. kMalformed for non-XML, a DTD, a root other than DAV:multistatus, a
// response without href, or nesting deeper than kMaxDavXmlDepth; kTooLarge above max_bytes.
[[nodiscard]] Result<Multistatus> parse_multistatus(std::string_view body,
                                                    size_t max_bytes = kMaxMultistatusBytes);

// Status code of a "HTTP/1.1 200 OK" status line; 0 when it is not one.
int parse_dav_status_line(std::string_view line);

// <?xml ..?><D:propfind xmlns:D="DAV:" ...><D:prop><...each name.../></D:prop></D:propfind>
// Prefixes: D (DAV:), C (CalDAV), CR (CardDAV), CS (CalendarServer), X0.. for any other.
std::string propfind_body(const std::vector<DavName>& properties);

}  // namespace easgate
