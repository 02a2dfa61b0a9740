#pragma once
// The EAS TimeZone blob (MS-ASCAL 2.2.2.44 Timezone, MS-ASDTYPE 2.7.4): base64 of a
// 172-byte TIME_ZONE_INFORMATION — Bias (minutes west of UTC), StandardName (32 WCHAR),
// StandardDate (SYSTEMTIME), StandardBias, DaylightName, DaylightDate, DaylightBias, all
// little-endian. A SYSTEMTIME with wYear 0 is the "day of week occurrence" form: the
// wDay-th (5 = last) wDayOfWeek of wMonth at wHour:wMinute local time.
//
// Rules for a given year are derived from libical's zone database (the system tzdata) by
// scanning the year for offset changes, so historical rule changes come out right
// (America/New_York 2006 vs 2007, Europe/Moscow 2011/2014, America/Sao_Paulo 2019).
// Thread-safe: libical zone access is serialized internally.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace easgate::ical {

// Windows SYSTEMTIME as used in TIME_ZONE_INFORMATION.
struct SystemTime {
  uint16_t year = 0;          // wYear: 0 = recurring "nth weekday" form
  uint16_t month = 0;         // wMonth: 1..12; 0 = no transition
  uint16_t day_of_week = 0;   // wDayOfWeek: 0 = Sunday .. 6
  uint16_t day = 0;           // wDay: occurrence 1..4, 5 = last (day of month if wYear != 0)
  uint16_t hour = 0;          // wHour, local time before the transition
  uint16_t minute = 0;        // wMinute
  uint16_t second = 0;        // wSecond
  uint16_t milliseconds = 0;  // wMilliseconds

  friend bool operator==(const SystemTime&, const SystemTime&) = default;
};

// Decoded TIME_ZONE_INFORMATION.
struct EasTimeZone {
  int32_t bias = 0;              // minutes WEST of UTC for standard time (New York: 300)
  std::string standard_name;     // StandardName, UTF-8 (easgate writes the IANA name)
  SystemTime standard_date;      // when daylight time ends; month 0 = no DST
  int32_t standard_bias = 0;     // added to bias during standard time (normally 0)
  std::string daylight_name;     // DaylightName, UTF-8
  SystemTime daylight_date;      // when daylight time starts; month 0 = no DST
  int32_t daylight_bias = 0;     // added to bias during daylight time (normally -60)

  bool has_dst() const { return standard_date.month != 0 && daylight_date.month != 0; }
  // Same rules (bias, biases, transition dates); names are ignored.
  bool same_rules(const EasTimeZone& other) const;
  friend bool operator==(const EasTimeZone&, const EasTimeZone&) = default;
};

inline constexpr size_t kTimeZoneInformationSize = 172;

// 172 raw bytes / base64 of them.
std::string encode_eas_timezone_bytes(const EasTimeZone& tz);
std::string encode_eas_timezone(const EasTimeZone& tz);
// Status::malformed unless the text is base64 of exactly 172 bytes with sane fields.
Result<EasTimeZone> parse_eas_timezone_blob(std::string_view base64);

// Rules of an IANA zone (e.g. "Europe/Berlin", "UTC") or of a VTIMEZONE text for `year`.
// Status::not_found for an unknown zone, malformed for a bad VTIMEZONE.
Result<EasTimeZone> eas_timezone_for(const std::string& iana_or_vtimezone, int year);
// The same, as the base64 blob a client expects.
Result<std::string> eas_timezone_blob(const std::string& iana_or_vtimezone, int year);

// Best IANA zone whose rules in `year` equal the blob's: the zone named in StandardName if
// it matches, then the Windows zone name's usual IANA zone, then a preferred list, then
// the first match alphabetically; nullopt when no zone has these rules that year.
std::optional<std::string> match_iana_zone(const EasTimeZone& tz, int year);

// A VTIMEZONE (RFC 5545 3.6.5) with yearly rules equal to the blob's, named `tzid`; used
// when no IANA zone matches so recurring events keep their wall-clock time across DST.
std::string vtimezone_from_eas_timezone(const EasTimeZone& tz, const std::string& tzid);

}  // namespace easgate::ical
