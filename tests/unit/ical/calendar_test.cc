// VEVENT <-> EasCalendarItem: round trips both ways, merge into the original, bad input.
#include <doctest/doctest.h>

#include "tests/unit/ical/test_support.h"

#include "backends/ical/calendar_wbxml.h"
#include "backends/ical/eas_time.h"
#include "backends/ical/eas_timezone.h"
#include "backends/ical/ical_calendar.h"

namespace easgate::ical {
namespace {

ConversionContext context() {
  ConversionContext c;
  c.user_email = "alice@example.test";
  c.default_timezone = "Europe/Berlin";
  return c;
}

EasTime at(int y, int mo, int d, int h, int mi = 0) { return civil_to_time({y, mo, d, h, mi, 0}); }

// A meeting organized by Bob with every property the Calendar class carries.
const char* kMeeting =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:meeting-1@example.test\r\n"
    "DTSTAMP:20240101T090000Z\r\n"
    "DTSTART;TZID=America/New_York:20240104T100000\r\n"
    "DTEND;TZID=America/New_York:20240104T110000\r\n"
    "SUMMARY:Planning\r\n"
    "LOCATION:Room 1\r\n"
    "GEO:40.7;-74.0\r\n"
    "DESCRIPTION:Agenda\\nline two\r\n"
    "CLASS:CONFIDENTIAL\r\n"
    "TRANSP:OPAQUE\r\n"
    "X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n"
    "CATEGORIES:Work,Planning\r\n"
    "ORGANIZER;CN=Bob:mailto:bob@example.test\r\n"
    "ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=TRUE;X-KEEP=1:mailto:alice@example.test\r\n"
    "ATTENDEE;CN=Carol;PARTSTAT=TENTATIVE;ROLE=OPT-PARTICIPANT:mailto:carol@example.test\r\n"
    "ATTENDEE;CN=Room;CUTYPE=RESOURCE;PARTSTAT=NEEDS-ACTION:mailto:room@example.test\r\n"
    "ATTENDEE;CN=Dan;PARTSTAT=DECLINED:mailto:dan@example.test\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=TH;INTERVAL=2;UNTIL=20240530T150000Z\r\n"
    "EXDATE;TZID=America/New_York:20240118T100000\r\n"
    "X-MICROSOFT-CDO-REPLYTIME:20240102T120000Z\r\n"
    "X-MICROSOFT-DISALLOW-COUNTER:TRUE\r\n"
    "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:bob@example.test\r\n"
    "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK:https://meet.example.test/bob\r\n"
    "X-CUSTOM-THING:keep me\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Planning\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:meeting-1@example.test\r\n"
    "DTSTAMP:20240101T090000Z\r\n"
    "RECURRENCE-ID;TZID=America/New_York:20240201T100000\r\n"
    "DTSTART;TZID=America/New_York:20240201T140000\r\n"
    "DTEND;TZID=America/New_York:20240201T150000\r\n"
    "SUMMARY:Planning (moved)\r\n"
    "LOCATION:Room 1\r\n"
    "GEO:40.7;-74.0\r\n"
    "DESCRIPTION:Agenda\\nline two\r\n"
    "CLASS:CONFIDENTIAL\r\n"
    "TRANSP:OPAQUE\r\n"
    "X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\n"
    "CATEGORIES:Work,Planning\r\n"
    "ORGANIZER;CN=Bob:mailto:bob@example.test\r\n"
    "ATTENDEE;CN=Alice;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:alice@example.test\r\n"
    "ATTENDEE;CN=Carol;PARTSTAT=TENTATIVE;ROLE=OPT-PARTICIPANT:mailto:carol@example.test\r\n"
    "ATTENDEE;CN=Room;CUTYPE=RESOURCE;PARTSTAT=NEEDS-ACTION:mailto:room@example.test\r\n"
    "ATTENDEE;CN=Dan;PARTSTAT=DECLINED:mailto:dan@example.test\r\n"
    "X-MICROSOFT-CDO-REPLYTIME:20240102T120000Z\r\n"
    "X-MICROSOFT-DISALLOW-COUNTER:TRUE\r\n"
    "X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:bob@example.test\r\n"
    "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK:https://meet.example.test/bob\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Planning\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n";

TEST_CASE("VEVENT -> EAS: every property") {
  auto r = calendar_item_from_ical(kMeeting, context());
  REQUIRE(r.is_ok());
  const EasCalendarItem& e = *r;
  CHECK(e.uid == "meeting-1@example.test");
  CHECK(e.start_time == at(2024, 1, 4, 15));
  CHECK(e.end_time == at(2024, 1, 4, 16));
  CHECK(e.dt_stamp == at(2024, 1, 1, 9));
  CHECK_FALSE(e.all_day_event);
  auto tz = parse_eas_timezone_blob(e.timezone_blob);
  REQUIRE(tz.is_ok());
  CHECK(tz->bias == 300);
  CHECK(match_iana_zone(*tz, 2024) == std::optional<std::string>("America/New_York"));
  CHECK(e.subject == "Planning");
  REQUIRE(e.location.has_value());
  CHECK(e.location->display_name == "Room 1");
  CHECK(e.location->latitude == doctest::Approx(40.7));
  CHECK(e.body == std::optional<std::string>("Agenda\nline two"));
  CHECK(e.sensitivity == 3);
  CHECK(e.busy_status == 3);
  CHECK(e.categories == std::vector<std::string>{"Work", "Planning"});
  CHECK(e.organizer_email == "bob@example.test");
  CHECK(e.organizer_name == "Bob");
  REQUIRE(e.attendees.size() == 4);
  CHECK(e.attendees[0].status == 3);
  CHECK(e.attendees[0].type == 1);
  CHECK(e.attendees[1].status == 2);
  CHECK(e.attendees[1].type == 2);
  CHECK(e.attendees[2].status == 5);
  CHECK(e.attendees[2].type == 3);
  CHECK(e.attendees[3].status == 4);
  CHECK(e.meeting_status == 3);  // received: Alice is an attendee
  CHECK(e.response_type == 3);
  CHECK(e.response_requested == true);
  CHECK(e.reminder == 15);
  CHECK(e.appointment_reply_time == at(2024, 1, 2, 12));
  CHECK(e.disallow_new_time_proposal == true);
  CHECK(e.online_meeting_conf_link == std::optional<std::string>("conf:sip:bob@example.test"));
  REQUIRE(e.recurrence.has_value());
  CHECK(e.recurrence->type == EasRecurrence::Type::kWeekly);
  CHECK(e.recurrence->interval == 2);
  CHECK(e.recurrence->day_of_week == 16);
  CHECK(e.recurrence->until == at(2024, 5, 30, 15));
  REQUIRE(e.exceptions.size() == 2);
  CHECK(e.exceptions[0].deleted);
  CHECK(e.exceptions[0].exception_start_time == at(2024, 1, 18, 15));
  CHECK_FALSE(e.exceptions[1].deleted);
  CHECK(e.exceptions[1].exception_start_time == at(2024, 2, 1, 15));
  CHECK(e.exceptions[1].subject == std::optional<std::string>("Planning (moved)"));
  CHECK(e.exceptions[1].start_time == at(2024, 2, 1, 19));
  CHECK_FALSE(e.exceptions[1].location.has_value());  // unchanged from the series
  CHECK_FALSE(e.recurrence_lossy);
}

TEST_CASE("ICS -> EAS -> ICS -> EAS is stable, and the merge keeps what EAS does not carry") {
  auto first = calendar_item_from_ical(kMeeting, context());
  REQUIRE(first.is_ok());
  const std::string ics = ical_from_calendar_item(*first, std::string(kMeeting), context());
  CHECK(ics.find("X-CUSTOM-THING:keep me") != std::string::npos);
  CHECK(ics.find("X-KEEP=1") != std::string::npos);
  CHECK(ics.find("TZID=America/New_York") != std::string::npos);
  auto second = calendar_item_from_ical(ics, context());
  REQUIRE(second.is_ok());
  CHECK(*second == *first);
  // And from scratch (no original): still equal in EAS terms.
  const std::string fresh = ical_from_calendar_item(*first, std::nullopt, context());
  auto third = calendar_item_from_ical(fresh, context());
  REQUIRE(third.is_ok());
  CHECK(*third == *first);
}

EasCalendarItem sample_item() {
  EasCalendarItem e;
  e.timezone_blob = *eas_timezone_blob("Europe/Berlin", 2024);
  e.start_time = at(2024, 3, 5, 8);
  e.end_time = at(2024, 3, 5, 9, 30);
  e.dt_stamp = at(2024, 3, 1, 7);
  e.subject = "Standup";
  EasLocation loc;
  loc.display_name = "Hall";
  loc.city = "Berlin";
  loc.latitude = 52.5;
  loc.longitude = 13.4;
  e.location = loc;
  e.body = "Daily";
  e.uid = "standup@example.test";
  e.client_uid = "device-uid-1";
  e.organizer_email = "alice@example.test";
  e.organizer_name = "Alice";
  e.attendees = {{"bob@example.test", "Bob", 5, 1}, {"carol@example.test", "Carol", 2, 2}};
  e.reminder = 10;
  e.busy_status = 2;
  e.sensitivity = 1;
  e.categories = {"Team"};
  e.meeting_status = 1;
  e.response_type = 1;
  EasRecurrence r;
  r.type = EasRecurrence::Type::kMonthlyNth;
  r.day_of_week = 4;
  r.week_of_month = 1;
  r.occurrences = 6;
  e.recurrence = r;
  EasException deleted;
  deleted.exception_start_time = at(2024, 4, 2, 7);  // first Tuesday of April (CEST)
  deleted.deleted = true;
  EasException moved;
  moved.exception_start_time = at(2024, 5, 7, 6);
  moved.start_time = at(2024, 5, 7, 9);
  moved.end_time = at(2024, 5, 7, 10);
  moved.subject = "Standup (late)";
  moved.reminder = 30;
  e.exceptions = {deleted, moved};
  e.disallow_new_time_proposal = false;
  e.online_meeting_external_link = "https://meet.example.test/x";
  return e;
}

TEST_CASE("EAS -> ICS -> EAS keeps every field") {
  const EasCalendarItem item = sample_item();
  const std::string ics = ical_from_calendar_item(item, std::nullopt, context());
  CHECK(ics.find("RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=1TU") != std::string::npos);
  CHECK(ics.find("CLASS:PRIVATE") != std::string::npos);
  auto back = calendar_item_from_ical(ics, context());
  REQUIRE(back.is_ok());
  CHECK(back->exceptions == item.exceptions);
  CHECK(back->location == item.location);
  CHECK(back->attendees == item.attendees);
  CHECK(*back == item);
}

TEST_CASE("All-day events: DATE values in the device's zone") {
  EasCalendarItem item;
  item.timezone_blob = *eas_timezone_blob("America/New_York", 2024);
  item.all_day_event = true;
  item.start_time = at(2024, 7, 4, 4);  // midnight EDT
  item.end_time = at(2024, 7, 5, 4);
  item.subject = "Holiday";
  item.uid = "holiday@example.test";
  EasRecurrence r;
  r.type = EasRecurrence::Type::kYearly;
  r.month_of_year = 7;
  r.day_of_month = 4;
  item.recurrence = r;
  const std::string ics = ical_from_calendar_item(item, std::nullopt, context());
  CHECK(ics.find("DTSTART;VALUE=DATE:20240704") != std::string::npos);
  ConversionContext ny = context();
  ny.default_timezone = "America/New_York";
  auto back = calendar_item_from_ical(ics, ny);
  REQUIRE(back.is_ok());
  CHECK(back->all_day_event);
  CHECK(back->start_time == item.start_time);
  CHECK(back->end_time == item.end_time);
  CHECK(back->recurrence == item.recurrence);
}

TEST_CASE("A custom zone (no IANA match) keeps wall-clock times across DST") {
  EasTimeZone tz;
  tz.bias = 301;  // one minute off New York: nothing in tzdata has this
  tz.daylight_bias = -60;
  tz.standard_date = {0, 11, 0, 1, 2, 0, 0, 0};
  tz.daylight_date = {0, 3, 0, 2, 2, 0, 0, 0};
  EasCalendarItem item;
  item.timezone_blob = encode_eas_timezone(tz);
  item.start_time = at(2024, 1, 10, 15, 1);
  item.end_time = item.start_time + 3600;
  item.subject = "Odd zone";
  item.uid = "odd@example.test";
  const std::string ics = ical_from_calendar_item(item, std::nullopt, context());
  CHECK(ics.find("BEGIN:VTIMEZONE") != std::string::npos);
  auto back = calendar_item_from_ical(ics, context());
  REQUIRE(back.is_ok());
  CHECK(back->start_time == item.start_time);
  auto back_tz = parse_eas_timezone_blob(back->timezone_blob);
  REQUIRE(back_tz.is_ok());
  CHECK(back_tz->same_rules(tz));
}

TEST_CASE("Changing an item keeps an RRULE EAS cannot express") {
  const char* ics =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:h@x\r\nDTSTAMP:20240101T000000Z\r\n"
      "DTSTART:20240101T100000Z\r\nDTEND:20240101T110000Z\r\nSUMMARY:Hourly\r\n"
      "RRULE:FREQ=HOURLY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  auto item = calendar_item_from_ical(ics, context());
  REQUIRE(item.is_ok());
  CHECK(item->recurrence_lossy);
  CHECK_FALSE(item->recurrence.has_value());
  EasCalendarItem changed = *item;
  changed.subject = "Hourly (renamed)";
  const std::string out = ical_from_calendar_item(changed, std::string(ics), context());
  CHECK(out.find("RRULE:FREQ=HOURLY;COUNT=3") != std::string::npos);
  CHECK(out.find("SUMMARY:Hourly (renamed)") != std::string::npos);
}

TEST_CASE("Malformed iCalendar is Status::malformed, never a crash") {
  const char* bad[] = {
      "",
      "hello",
      "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
      "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:no start\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
      "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
      "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:a task\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
      "BEGIN:VEVENT\r\nDTSTART:20240101T000000Z\r\nRRULE:FREQ=;;;\r\nBEGIN:VALARM\r\n",
  };
  for (const char* text : bad) {
    CAPTURE(std::string(text));
    auto r = calendar_item_from_ical(text, context());
    if (!r.is_ok()) CHECK(r.status().kind() == ErrorKind::kMalformed);
  }
  CHECK(calendar_item_from_ical("", context()).status().kind() == ErrorKind::kMalformed);
  CHECK(calendar_item_from_ical("hello", context()).status().kind() == ErrorKind::kMalformed);
  CHECK(calendar_item_from_ical(bad[3], context()).status().kind() == ErrorKind::kMalformed);
  CHECK(calendar_item_from_ical(bad[4], context()).status().kind() == ErrorKind::kMalformed);
  CHECK(calendar_item_from_ical(std::string(kMaxIcalBytes + 1, 'x'), context()).status().kind() ==
        ErrorKind::kTooLarge);
}

TEST_CASE("WBXML round trip per protocol version") {
  const EasCalendarItem item = sample_item();
  for (ProtocolVersion v : {ProtocolVersion::v12_1(), ProtocolVersion::v14_1(), ProtocolVersion::v16_1()}) {
    const int version_code = v.code;
    CAPTURE(version_code);
    WbxmlElement ad(tag::air_sync::kApplicationData);
    to_wbxml(item, v, ad);
    auto back = calendar_from_wbxml(ad, v);
    REQUIRE(back.is_ok());
    EasCalendarItem expected = item;
    expected.recurrence_lossy = false;
    if (v < ProtocolVersion::v16_0()) {
      expected.client_uid.reset();
      EasLocation plain;
      plain.display_name = item.location->display_name;
      expected.location = plain;
    }
    if (v < ProtocolVersion::v14_1()) expected.online_meeting_external_link.reset();
    if (v < ProtocolVersion::v14_0()) {
      expected.response_type.reset();
      expected.disallow_new_time_proposal.reset();
    }
    CHECK(*back == expected);
  }
}

}  // namespace
}  // namespace easgate::ical
