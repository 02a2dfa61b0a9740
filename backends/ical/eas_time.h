#pragma once
// EAS date/time strings (MS-ASDTYPE 2.3 dateTime, 2.7.2 Compact DateTime) and civil-time
// arithmetic on EasTime. Pure functions, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "backends/ical/eas_calendar_types.h"

namespace easgate::ical {

// A broken-down wall-clock time (proleptic Gregorian).
struct CivilTime {
  int year = 1970;    // full year
  int month = 1;      // 1..12
  int day = 1;        // 1..31
  int hour = 0;       // 0..23
  int minute = 0;     // 0..59
  int second = 0;     // 0..59
};

EasTime civil_to_time(const CivilTime& c);
CivilTime time_to_civil(EasTime t);
// 0 = Sunday .. 6 = Saturday.
int day_of_week(int year, int month, int day);
int days_in_month(int year, int month);

// "20111201T200000Z" (MS-ASDTYPE 2.7.2, what the Calendar class uses).
std::string format_compact(EasTime t);
// "2011-12-01T20:00:00.000Z" (MS-ASDTYPE 2.3, what Tasks and Email use).
std::string format_extended(EasTime t);
// Accepts either form (clients mix them up), with or without the trailing Z; nullopt on
// anything else or an out-of-range field.
std::optional<EasTime> parse_eas_datetime(std::string_view text);

}  // namespace easgate::ical
