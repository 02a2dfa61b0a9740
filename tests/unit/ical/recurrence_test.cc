// EAS Recurrence <-> RRULE, every EAS type (MS-ASCAL 2.2.2.46), both directions.
#include <doctest/doctest.h>

#include "backends/ical/ical_recurrence.h"

namespace easgate::ical {
namespace {

using Type = EasRecurrence::Type;

EasRecurrence rec(Type type, int interval) {
  EasRecurrence r;
  r.type = type;
  r.interval = interval;
  return r;
}

struct Case {
  const char* rrule;   // what easgate writes
  EasRecurrence eas;   // what it reads back
};

std::vector<Case> cases() {
  std::vector<Case> out;
  EasRecurrence r = rec(Type::kDaily, 1);
  out.push_back({"FREQ=DAILY", r});
  r = rec(Type::kDaily, 3);
  r.occurrences = 10;
  out.push_back({"FREQ=DAILY;INTERVAL=3;COUNT=10", r});
  r = rec(Type::kDaily, 1);
  r.day_of_week = 62;  // every weekday
  out.push_back({"FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", r});
  r = rec(Type::kWeekly, 2);
  r.day_of_week = 16;
  out.push_back({"FREQ=WEEKLY;BYDAY=TH;INTERVAL=2", r});
  r = rec(Type::kWeekly, 1);
  r.day_of_week = 2 | 8 | 32;
  r.until = 1735689599;  // 2024-12-31T23:59:59Z
  r.first_day_of_week = 1;
  out.push_back({"FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20241231T235959Z;WKST=MO", r});
  r = rec(Type::kMonthly, 1);
  r.day_of_month = 15;
  out.push_back({"FREQ=MONTHLY;BYMONTHDAY=15", r});
  r = rec(Type::kMonthlyNth, 1);
  r.day_of_week = 4;
  r.week_of_month = 2;
  out.push_back({"FREQ=MONTHLY;BYDAY=2TU", r});
  r = rec(Type::kMonthlyNth, 2);
  r.day_of_week = 64;
  r.week_of_month = 5;
  out.push_back({"FREQ=MONTHLY;BYDAY=-1SA;INTERVAL=2", r});
  r = rec(Type::kMonthlyNth, 1);
  r.day_of_week = 62;  // last weekday of the month
  r.week_of_month = 5;
  out.push_back({"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", r});
  r = rec(Type::kMonthlyNth, 1);
  r.day_of_week = 127;  // last day of the month
  r.week_of_month = 5;
  out.push_back({"FREQ=MONTHLY;BYMONTHDAY=-1", r});
  r = rec(Type::kYearly, 1);
  r.month_of_year = 7;
  r.day_of_month = 4;
  out.push_back({"FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4", r});
  r = rec(Type::kYearlyNth, 1);
  r.month_of_year = 11;
  r.day_of_week = 16;
  r.week_of_month = 4;
  r.occurrences = 5;
  out.push_back({"FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=5", r});
  return out;
}

const CivilTime kStart{2024, 1, 4, 10, 0, 0};  // a Thursday

auto utc_midnight = [](const CivilTime& d) { return civil_to_time(d); };

TEST_CASE("Recurrence: RRULE -> EAS -> RRULE for every EAS type") {
  for (const Case& c : cases()) {
    CAPTURE(std::string(c.rrule));
    auto r = recurrence_from_rrule(c.rrule, kStart, utc_midnight);
    REQUIRE(r.is_ok());
    CHECK(*r == c.eas);
    CHECK(rrule_from_recurrence(*r, false, {}) == c.rrule);
  }
}

TEST_CASE("Recurrence: implicit parts come from DTSTART") {
  auto weekly = recurrence_from_rrule("FREQ=WEEKLY", kStart, utc_midnight);
  REQUIRE(weekly.is_ok());
  CHECK(weekly->day_of_week == 16);  // Thursday
  auto monthly = recurrence_from_rrule("FREQ=MONTHLY", kStart, utc_midnight);
  REQUIRE(monthly.is_ok());
  CHECK(monthly->type == Type::kMonthly);
  CHECK(monthly->day_of_month == 4);
  auto yearly = recurrence_from_rrule("FREQ=YEARLY", kStart, utc_midnight);
  REQUIRE(yearly.is_ok());
  CHECK(yearly->month_of_year == 1);
  CHECK(yearly->day_of_month == 4);
}

TEST_CASE("Recurrence: DATE-valued UNTIL goes through the caller's zone") {
  auto r = recurrence_from_rrule("FREQ=DAILY;UNTIL=20240110", kStart,
                                 [](const CivilTime& d) { return civil_to_time(d) - 3600; });
  REQUIRE(r.is_ok());
  CHECK(r->until == civil_to_time({2024, 1, 10}) - 3600);
  CHECK(rrule_from_recurrence(*r, true, {2024, 1, 10}) == "FREQ=DAILY;UNTIL=20240110");
}

TEST_CASE("Recurrence: what EAS cannot express is unsupported, garbage is malformed") {
  for (const char* rule : {"FREQ=HOURLY", "FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=MONTHLY;BYDAY=1MO,2TU",
                           "FREQ=YEARLY;BYWEEKNO=20", "FREQ=DAILY;BYHOUR=9,17"}) {
    CAPTURE(std::string(rule));
    CHECK(recurrence_from_rrule(rule, kStart, utc_midnight).status().kind() == ErrorKind::kUnsupported);
  }
  for (const char* rule : {"", "NOT A RULE", "FREQ=SOMETIMES"}) {
    CAPTURE(std::string(rule));
    CHECK_FALSE(recurrence_from_rrule(rule, kStart, utc_midnight).is_ok());
  }
}

}  // namespace
}  // namespace easgate::ical
