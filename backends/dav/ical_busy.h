#pragma once
// Busy periods computed from calendar data, for servers without the free-busy-query
// REPORT (Radicale before 3.2 answers it with a plain listing): the events a
// calendar-query with a time-range returns, expanded with libical (RRULE, RDATE, EXDATE,
// TZID). Transparent and cancelled events are free (RFC 4791 section 7.10). Pure,
// thread-safe.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "backends/api/collection_store.h"
#include "gateway/core/status.h"

namespace easgate {

// calendar-query REPORT body for the VEVENTs overlapping [start, end) with their data.
std::string event_query_body(std::chrono::sys_seconds start, std::chrono::sys_seconds end);

// Appends the busy periods of one iCalendar object within [start, end) to `out`.
// kMalformed when `ical` is not iCalendar. An overridden instance (RECURRENCE-ID) counts at
// both its old and new time: libical 3.0 does not pair them up.
[[nodiscard]] Status add_busy_from_ical(std::string_view ical, std::chrono::sys_seconds start,
                                        std::chrono::sys_seconds end,
                                        std::vector<BusyInterval>* out);

}  // namespace easgate
