#pragma once
// EAS Recurrence <-> iCalendar RRULE (RFC 5545 3.3.10), both directions, for every EAS
// type (MS-ASCAL 2.2.2.46): daily, weekly, monthly, monthly on the nth day, yearly,
// yearly on the nth day; Interval, Until, Occurrences, FirstDayOfWeek. Thread-safe.

#include <string>
#include <string_view>

#include "backends/ical/eas_calendar_types.h"
#include "backends/ical/eas_time.h"
#include "gateway/core/status.h"

namespace easgate::ical {

// `rrule` is the RRULE value ("FREQ=WEEKLY;BYDAY=MO"); `local_start` is DTSTART's wall
// time, which fills what the RRULE leaves implicit (EAS needs DayOfWeek for weekly, etc.).
// `until_zone_midnight` converts a DATE-valued UNTIL (all-day series) to UTC: it is
// called with the local midnight of that date and returns the UTC instant.
// Status::unsupported when EAS cannot express the rule (FREQ=HOURLY, BYMONTHDAY=1,15 ...);
// Status::malformed when the RRULE does not parse.
template <typename F>
Result<EasRecurrence> recurrence_from_rrule(std::string_view rrule, const CivilTime& local_start,
                                           F&& until_zone_midnight);

// The RRULE value for `r`. `until_as_date` writes UNTIL as a DATE (required when DTSTART is
// a DATE, RFC 5545 3.3.10) using `until_local_date`, the local date of r.until.
std::string rrule_from_recurrence(const EasRecurrence& r, bool until_as_date,
                                  const CivilTime& until_local_date);

namespace detail {
// Non-template core of recurrence_from_rrule: `until_is_date` tells the caller to convert.
struct RruleUntil {
  bool present = false;   // the rule has UNTIL
  bool is_date = false;   // UNTIL is a DATE: `local` holds its date
  EasTime utc = 0;        // UNTIL as UTC when it is a DATE-TIME
  CivilTime local;        // UNTIL's date when it is a DATE
};
Result<EasRecurrence> parse_rrule(std::string_view rrule, const CivilTime& local_start,
                                  RruleUntil& until);
}  // namespace detail

template <typename F>
Result<EasRecurrence> recurrence_from_rrule(std::string_view rrule, const CivilTime& local_start,
                                           F&& until_zone_midnight) {
  detail::RruleUntil until;
  auto r = detail::parse_rrule(rrule, local_start, until);
  if (!r) return r;
  if (until.present) r->until = until.is_date ? until_zone_midnight(until.local) : until.utc;
  return r;
}

}  // namespace easgate::ical
