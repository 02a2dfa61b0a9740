#pragma once
// Request bodies of the DAV item operations and the parsing of their answers that is not
// a plain multistatus: sync-collection (RFC 6578 section 3.2), calendar-multiget (RFC 4791
// section 7.9), addressbook-multiget (RFC 6352 section 8.7), MKCALENDAR (RFC 4791 section
// 5.3.1), extended MKCOL (RFC 5689 section 3), PROPPATCH (RFC 4918 section 9.2),
// calendar-query (RFC 4791 section 7.8), addressbook-query (RFC 6352 section 8.6),
// free-busy-query (RFC 4791 section 7.10) and its VFREEBUSY answer (RFC 5545 section
// 3.8.2.6). Pure functions, thread-safe.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/collection_store.h"
#include "gateway/core/status.h"

namespace easgate {

// `text` with & < > " escaped for XML character data and attribute values.
std::string xml_escape(std::string_view text);

// sync-collection REPORT asking for getetag; empty token: the initial sync.
std::string sync_collection_body(const std::string& sync_token);
// calendar-multiget (calendars, tasks, notes) or addressbook-multiget (contacts).
std::string multiget_body(CollectionKind kind, const std::vector<std::string>& hrefs);
// MKCALENDAR body (calendar, tasks, notes: the matching component) or extended MKCOL body
// (contacts) with `display_name`.
std::string make_collection_body(CollectionKind kind, const std::string& display_name);
// PROPPATCH setting DAV:displayname.
std::string displayname_patch_body(const std::string& display_name);
// calendar-query (calendars, tasks, notes: prop-filters on `query.component`) or
// addressbook-query (contacts: prop-filters, test="anyof") asking for getetag and the data.
std::string text_query_body(CollectionKind kind, const DavTextQuery& query);
// free-busy-query for [start, end).
std::string free_busy_query_body(std::chrono::sys_seconds start, std::chrono::sys_seconds end);

// The FREEBUSY periods of a VFREEBUSY reply, both "start/end" and "start/duration" forms;
// FBTYPE=FREE periods are dropped. kMalformed for a body that is not iCalendar.
[[nodiscard]] Result<std::vector<BusyInterval>> parse_free_busy(std::string_view ical);

// Sorts, and joins overlapping or touching periods of the same kind.
void merge_busy(std::vector<BusyInterval>* intervals);

// True when a 403/409 body names RFC 6578's DAV:valid-sync-token precondition.
bool names_valid_sync_token(std::string_view body);
// True when a server answers that it does not know the REPORT at all (405, 501, or a
// 403 naming DAV:supported-report, RFC 3253 section 3.6).
bool report_unsupported(int http_status, std::string_view body);

}  // namespace easgate
