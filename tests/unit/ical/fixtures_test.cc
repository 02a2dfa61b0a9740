// The Horde ActiveSync Calendar fixtures: headerless ApplicationData fragments decoded to
// EAS structs, their TimeZone blobs mapped to IANA zones, and on through iCalendar.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "backends/ical/calendar_wbxml.h"
#include "backends/ical/eas_time.h"
#include "backends/ical/eas_timezone.h"
#include "backends/ical/ical_calendar.h"
#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "tests/unit/ical/test_support.h"

namespace easgate::ical {
namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream f(std::string(EASGATE_HORDE_FIXTURES) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// tests/data/fixtures/README.md: prepend the EAS header and the page switch. The all-day
// fragment has no ApplicationData wrapper, so one is added around it (page 0 token 0x1D
// with content, switch to page 4 Calendar, ..., END).
EasCalendarItem decode(const std::string& name, bool wrap) {
  std::string bytes("\x03\x01\x6a\x00\x00\x00", 6);
  if (wrap) bytes += std::string("\x5d\x00\x04", 3);
  bytes += read_fixture(name);
  if (wrap) bytes += '\x01';
  auto doc = decode_wbxml(bytes);
  REQUIRE(doc.is_ok());
  REQUIRE(doc->root.is(tag::air_sync::kApplicationData));
  auto item = calendar_from_wbxml(doc->root, ProtocolVersion::v12_1());
  REQUIRE(item.is_ok());
  return *item;
}

EasTime at(int y, int mo, int d, int h) { return civil_to_time({y, mo, d, h, 0, 0}); }

void check_new_york(const EasCalendarItem& e, int year) {
  auto tz = parse_eas_timezone_blob(e.timezone_blob);
  REQUIRE(tz.is_ok());
  CHECK(tz->bias == 300);
  CHECK(tz->daylight_bias == -60);
  CHECK(tz->standard_name.empty());
  CHECK(match_iana_zone(*tz, year) == std::optional<std::string>("America/New_York"));
}

TEST_CASE("Horde appointment.wbxml") {
  const EasCalendarItem e = decode("appointment.wbxml", false);
  check_new_york(e, 2011);
  CHECK(e.start_time == at(2011, 12, 1, 20));
  CHECK(e.end_time == at(2011, 12, 1, 21));
  CHECK(e.subject == "Event Title");
  REQUIRE(e.location.has_value());
  CHECK(e.location->display_name == "Philadelphia, PA");
  CHECK(e.busy_status == 2);
  CHECK(e.sensitivity == 1);
  CHECK(e.dt_stamp == at(2011, 12, 1, 20));
  CHECK(e.meeting_status == 0);
  CHECK(e.body == std::optional<std::string>("Event Description"));
  CHECK_FALSE(e.recurrence.has_value());
  // On to iCalendar and back: same item, written in America/New_York.
  ConversionContext ctx;
  const std::string ics = ical_from_calendar_item(e, std::nullopt, ctx);
  CHECK(ics.find("DTSTART;TZID=America/New_York:20111201T150000") != std::string::npos);
  auto back = calendar_item_from_ical(ics, ctx);
  REQUIRE(back.is_ok());
  CHECK(back->start_time == e.start_time);
  CHECK(back->subject == e.subject);
  CHECK(back->sensitivity == e.sensitivity);
}

TEST_CASE("Horde recurrence.wbxml and simpleexception.wbxml") {
  const EasCalendarItem r = decode("recurrence.wbxml", false);
  check_new_york(r, 2011);
  REQUIRE(r.recurrence.has_value());
  CHECK(r.recurrence->type == EasRecurrence::Type::kWeekly);
  CHECK(r.recurrence->interval == 2);
  CHECK(r.recurrence->day_of_week == 16);  // Thursday
  CHECK(r.exceptions.empty());

  const EasCalendarItem s = decode("simpleexception.wbxml", false);
  REQUIRE(s.exceptions.size() == 1);
  CHECK(s.exceptions[0].deleted);
  CHECK(s.exceptions[0].exception_start_time == at(2011, 12, 29, 20));
  const std::string ics = ical_from_calendar_item(s, std::nullopt, {});
  CHECK(ics.find("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH") != std::string::npos);
  CHECK(ics.find("EXDATE;TZID=America/New_York:20111229T150000") != std::string::npos);
  auto back = calendar_item_from_ical(ics, {});
  REQUIRE(back.is_ok());
  CHECK(back->recurrence == s.recurrence);
  CHECK(back->exceptions == s.exceptions);
}

TEST_CASE("Horde dst.wbxml: an event in daylight time") {
  const EasCalendarItem e = decode("dst.wbxml", false);
  check_new_york(e, 2011);
  CHECK(e.start_time == at(2011, 10, 1, 19));
  CHECK(e.recurrence->day_of_week == 64);  // Saturday
  const std::string ics = ical_from_calendar_item(e, std::nullopt, {});
  CHECK(ics.find("DTSTART;TZID=America/New_York:20111001T150000") != std::string::npos);  // EDT
}

TEST_CASE("Horde allday_appointment.wbxml: 1970 US rules (last Sunday of April)") {
  const EasCalendarItem e = decode("allday_appointment.wbxml", true);
  CHECK(e.all_day_event);
  CHECK(e.subject == "Test Event");
  CHECK(e.start_time == at(1970, 3, 20, 5));
  CHECK(e.end_time == at(1970, 3, 21, 5));
  auto tz = parse_eas_timezone_blob(e.timezone_blob);
  REQUIRE(tz.is_ok());
  CHECK(tz->daylight_date.month == 4);
  CHECK(tz->daylight_date.day == 5);
  CHECK(tz->standard_date.month == 10);
  CHECK(match_iana_zone(*tz, 1970) == std::optional<std::string>("America/New_York"));
  const std::string ics = ical_from_calendar_item(e, std::nullopt, {});
  CHECK(ics.find("DTSTART;VALUE=DATE:19700320") != std::string::npos);
  CHECK(ics.find("DTEND;VALUE=DATE:19700321") != std::string::npos);
}

}  // namespace
}  // namespace easgate::ical
