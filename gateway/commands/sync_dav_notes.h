#pragma once
// Notes class (MS-ASNOTE, 14.0+) <-> a VJOURNAL in a CalDAV collection (RFC 5545 3.6.3).
// Subject <-> SUMMARY, Body (AirSyncBase, plain text) <-> DESCRIPTION, Categories <->
// CATEGORIES, LastModifiedDate <-> LAST-MODIFIED, the object's UID names it. MessageClass
// is always IPM.StickyNote. Pure.

#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/status.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate {

// Appends the Notes elements of the first VJOURNAL in `ical` to `application_data`.
// kMalformed when the text holds no VJOURNAL.
[[nodiscard]] Status note_to_client(std::string_view ical, WbxmlElement& application_data);

// The iCalendar text for a client Add (`original` empty; `uid` names the new object) or
// Change (`original` is the server's text, merged into so properties EAS does not carry
// survive). `now` (epoch seconds) stamps LAST-MODIFIED and DTSTAMP.
[[nodiscard]] Result<std::string> note_from_client(const WbxmlElement& application_data,
                                                   const std::optional<std::string>& original,
                                                   const std::string& uid, int64_t now);

}  // namespace easgate
