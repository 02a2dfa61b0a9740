#pragma once
// Internal helpers around libical shared by the converters: ownership, the lock that
// serializes libical's zone cache, zone lookup. Not part of the public API.

#include <libical/ical.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "backends/ical/eas_calendar_types.h"
#include "backends/ical/eas_timezone.h"

namespace easgate::ical::detail {

// libical keeps process-wide zone caches that expand lazily; every public entry point
// holds this (recursive: entry points call each other) while it touches libical.
std::recursive_mutex& libical_mutex();
// Makes libical errors non-fatal (once); call before parsing.
void init_libical();

struct ComponentFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using ComponentPtr = std::unique_ptr<icalcomponent, ComponentFree>;

struct ZoneFree {
  void operator()(icaltimezone* z) const { icaltimezone_free(z, 1); }
};
// A zone we own (built from a VTIMEZONE); builtin zones are never freed.
using OwnedZone = std::unique_ptr<icaltimezone, ZoneFree>;

// A zone to convert with: either builtin (borrowed) or owned.
struct ZoneRef {
  icaltimezone* zone = nullptr;   // the zone; nullptr = UTC
  OwnedZone owned;                // set when `zone` was built here
  std::string tzid;               // TZID to write in DTSTART;TZID=
};

// Builtin (system tzdata) zone by IANA name; accepts libical's "/freeassociation..." TZID
// prefix and the UTC aliases. nullptr when unknown.
icaltimezone* builtin_zone(std::string_view name);
// The IANA name of a zone (location, or TZID without libical's prefix).
std::string zone_name(icaltimezone* zone);
// Rules of `zone` in `year`; `name` goes into StandardName/DaylightName.
EasTimeZone eas_timezone_from_zone(icaltimezone* zone, int year, const std::string& name);
// A zone for a blob: the matching IANA zone, else a zone built from the blob's rules.
ZoneRef zone_for_eas_timezone(const EasTimeZone& tz, int year);
// Offset east of UTC in seconds at UTC instant t.
int utc_offset_at(icaltimezone* zone, EasTime t);

// UTC instant of a libical time (date-only values at local midnight in `fallback`).
EasTime to_eas_time(icaltimetype t, icaltimezone* fallback);
// libical time in `zone` (UTC when null) for UTC instant t.
icaltimetype from_eas_time(EasTime t, icaltimezone* zone);

}  // namespace easgate::ical::detail
