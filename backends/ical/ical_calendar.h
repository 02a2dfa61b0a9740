#pragma once
// iCalendar VEVENT <-> EAS Calendar class (MS-ASCAL), VTODO <-> EAS Tasks class
// (MS-ASTASK). Pure functions over libical; thread-safe (libical's zone cache is
// serialized internally).
//
// Reading maps the master VEVENT and its RECURRENCE-ID overrides to one EasCalendarItem
// with Exceptions; EXDATE -> deleted exceptions; VALARM -> Reminder; ATTENDEE/ORGANIZER
// with PARTSTAT/ROLE/CUTYPE; CLASS -> Sensitivity; X-MICROSOFT-CDO-BUSYSTATUS/TRANSP ->
// BusyStatus; VALUE=DATE -> AllDayEvent; the DTSTART zone (VTIMEZONE or IANA TZID) -> the
// TimeZone blob for the start year.
//
// Writing merges into the original iCalendar object when one is given: properties and
// parameters EAS does not carry (X- properties, unknown parameters, extra alarms, RDATE,
// a recurrence EAS could not express) stay as they were.

#include <optional>
#include <string>
#include <string_view>

#include "backends/ical/eas_calendar_types.h"
#include "gateway/core/status.h"

namespace easgate::ical {

// Largest iCalendar object accepted (a calendar item, not a whole calendar).
inline constexpr size_t kMaxIcalBytes = 4u << 20;

// Status::malformed when the text is not iCalendar or has no usable VEVENT (no DTSTART);
// Status::too_large above kMaxIcalBytes.
Result<EasCalendarItem> calendar_item_from_ical(std::string_view ics,
                                                const ConversionContext& context);

// A VCALENDAR holding the item (and the VTIMEZONE its times use). `original_ics` is the
// server's current object, merged into; when absent or unparsable a new object is built.
std::string ical_from_calendar_item(const EasCalendarItem& item,
                                    const std::optional<std::string>& original_ics,
                                    const ConversionContext& context = {});

// The same for tasks (VTODO): SUMMARY, DESCRIPTION, DTSTART, DUE, COMPLETED/STATUS,
// PRIORITY <-> Importance, VALARM, RRULE, CATEGORIES, CLASS.
Result<EasTaskItem> task_item_from_ical(std::string_view ics, const ConversionContext& context);
std::string ical_from_task_item(const EasTaskItem& item,
                                const std::optional<std::string>& original_ics,
                                const ConversionContext& context = {});

}  // namespace easgate::ical
