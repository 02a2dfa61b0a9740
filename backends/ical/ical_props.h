#pragma once
// Internal: property-level mappings shared by the VEVENT and VTODO converters.

#include <libical/ical.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/ical/eas_calendar_types.h"
#include "backends/ical/ical_support.h"

namespace easgate::ical::detail {

// X- properties easgate owns (values EAS carries that iCalendar has no property for).
inline constexpr const char* kXSensitivity = "X-EASGATE-SENSITIVITY";
inline constexpr const char* kXClientUid = "X-EASGATE-CLIENT-UID";
inline constexpr const char* kXBusyStatus = "X-MICROSOFT-CDO-BUSYSTATUS";
inline constexpr const char* kXReplyTime = "X-MICROSOFT-CDO-REPLYTIME";
inline constexpr const char* kXDisallowCounter = "X-MICROSOFT-DISALLOW-COUNTER";
inline constexpr const char* kXConfLink = "X-MICROSOFT-ONLINEMEETINGCONFLINK";
inline constexpr const char* kXExternalLink = "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK";
inline constexpr const char* kXLocationPrefix = "X-EASGATE-LOCATION-";

// Parses ics into a VCALENDAR (a bare VEVENT/VTODO is wrapped). nullptr when unusable.
ComponentPtr parse_calendar(std::string_view ics, Status& error);
// A fresh VCALENDAR with VERSION and PRODID.
ComponentPtr new_calendar();
// Serializes a component.
std::string to_text(icalcomponent* comp);

// Resolves a TZID against the VCALENDAR's VTIMEZONEs, then the builtin database.
icaltimezone* resolve_tzid(icalcomponent* vcal, const char* tzid);
// The time of a DTSTART/DTEND/DUE/... property with its zone attached (floating: none).
icaltimetype prop_time(icalcomponent* vcal, icalproperty* prop, icaltimezone** zone_out);

// Value of the first X- property with this name, or nullopt.
std::optional<std::string> x_prop(icalcomponent* comp, const char* name);
void set_x_prop(icalcomponent* comp, const char* name, const std::optional<std::string>& value);
// Removes every property of `kind` (ICAL_ANY_PROPERTY not allowed).
void remove_props(icalcomponent* comp, icalproperty_kind kind);
// Text of the first property of `kind` or nullopt.
std::optional<std::string> text_prop(icalcomponent* comp, icalproperty_kind kind);
// The value of a parameter by name ("CN", "X-FOO") or "".
std::string param_text(icalproperty* prop, const char* name);
void set_param(icalproperty* prop, const char* name, const std::string& value);

// "mailto:a@b" -> "a@b".
std::string strip_mailto(std::string_view address);
bool same_address(std::string_view a, std::string_view b);

std::vector<std::string> categories(icalcomponent* comp);
void write_categories(icalcomponent* comp, const std::vector<std::string>& cats);

// CLASS (+ easgate's marker for "personal") <-> Sensitivity.
std::optional<int> sensitivity(icalcomponent* comp);
void write_sensitivity(icalcomponent* comp, std::optional<int> value);

// Minutes before start of the first VALARM (relative or absolute trigger).
std::optional<int> reminder_minutes(icalcomponent* comp, EasTime start);
// Replaces the alarms unless the first one already says `minutes` (keeps extra alarms).
void write_reminder(icalcomponent* comp, std::optional<int> minutes, const std::string& summary,
                    EasTime start);

// EAS attendee from an ATTENDEE property and back (merging into `prop`'s parameters).
EasAttendee attendee_from(icalproperty* prop);
void apply_attendee(icalproperty* prop, const EasAttendee& a);

// PARTSTAT <-> ResponseType (0 none .. 5 not responded).
std::optional<int> response_type_from_partstat(const std::string& partstat);
const char* partstat_for_response_type(int response_type);

}  // namespace easgate::ical::detail
