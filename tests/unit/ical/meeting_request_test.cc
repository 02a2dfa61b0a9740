// iTIP text/calendar -> Email MeetingRequest (MS-ASEMAIL 2.2.2.48) and GlobalObjId.
#include "backends/ical/meeting_request.h"

#include <doctest/doctest.h>

#include "backends/ical/eas_time.h"
#include "backends/ical/eas_timezone.h"
#include "gateway/eas/wbxml/wbxml_xml.h"

namespace easgate::ical {
namespace {

namespace em = tag::email;
namespace em2 = tag::email2;
namespace base = tag::air_sync_base;

const char* kRequest =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:weekly-1@example.test\r\nSEQUENCE:0\r\n"
    "DTSTAMP:20261120T080000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20261203T100000\r\nDTEND;TZID=Europe/Berlin:20261203T113000\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=TH;INTERVAL=1;COUNT=10\r\n"
    "SUMMARY:Weekly sync\r\nLOCATION:Room 7\r\nCLASS:PRIVATE\r\n"
    "ORGANIZER;CN=Bob Builder:mailto:bob@example.test\r\n"
    "ATTENDEE;CN=Alice;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@example.test\r\n"
    "X-MICROSOFT-DISALLOW-COUNTER:TRUE\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n";

ConversionContext context() {
  ConversionContext c;
  c.user_email = "alice@example.test";
  return c;
}

std::string text(const WbxmlElement& parent, Tag t) { return std::string(parent.child_text(t)); }

TEST_CASE("a weekly request with a VTIMEZONE gives every MeetingRequest element") {
  auto m = meeting_request_from_ical(kRequest, context());
  REQUIRE(m.is_ok());
  CHECK(m->instance_type == MeetingInstanceType::kMaster);
  CHECK(m->method == "REQUEST");
  for (auto v : {ProtocolVersion::v12_1(), ProtocolVersion::v14_1(), ProtocolVersion::v16_1()}) {
    WbxmlElement data(tag::air_sync::kApplicationData);
    meeting_request_to_wbxml(*m, v, data);
    const WbxmlElement* mr = data.child(em::kMeetingRequest);
    REQUIRE(mr);
    CHECK(text(*mr, em::kAllDayEvent) == "0");
    // 10:00 CET is 09:00 UTC.
    CHECK(text(*mr, em::kStartTime) == "2026-12-03T09:00:00.000Z");
    CHECK(text(*mr, em::kEndTime) == "2026-12-03T10:30:00.000Z");
    CHECK(text(*mr, em::kDtStamp) == "2026-11-20T08:00:00.000Z");
    CHECK(text(*mr, em::kInstanceType) == "1");
    CHECK(text(*mr, em::kOrganizer) == "\"Bob Builder\" <bob@example.test>");
    CHECK(text(*mr, em::kReminder) == "900");  // seconds (MS-ASEMAIL 2.2.2.63)
    CHECK(text(*mr, em::kResponseRequested) == "1");
    CHECK(text(*mr, em::kSensitivity) == "2");
    CHECK(text(*mr, em::kBusyStatus) == "2");
    CHECK(!mr->child(em::kRecurrenceId));
    const WbxmlElement* rec = mr->child(em::kRecurrences);
    REQUIRE(rec);
    const WbxmlElement* r = rec->child(em::kRecurrence);
    REQUIRE(r);
    CHECK(text(*r, em::kRecurrenceType) == "1");
    CHECK(text(*r, em::kRecurrenceInterval) == "1");
    CHECK(text(*r, em::kRecurrenceOccurrences) == "10");
    CHECK(text(*r, em::kRecurrenceDayOfWeek) == "16");  // Thursday
    auto tz = parse_eas_timezone_blob(text(*mr, em::kTimeZone));
    REQUIRE(tz.is_ok());
    CHECK(tz->bias == -60);
    CHECK(tz->daylight_bias == -60);
    CHECK(uid_from_global_obj_id(text(*mr, em::kGlobalObjId)) == "weekly-1@example.test");
    if (v >= ProtocolVersion::v16_0()) {
      CHECK(!mr->child(em::kLocation));
      REQUIRE(mr->child(base::kLocation));
      CHECK(text(*mr->child(base::kLocation), base::kDisplayName) == "Room 7");
    } else {
      CHECK(text(*mr, em::kLocation) == "Room 7");
    }
    if (v >= ProtocolVersion::v14_0()) {
      CHECK(text(*mr, em::kDisallowNewTimeProposal) == "1");
    } else {
      CHECK(!mr->child(em::kDisallowNewTimeProposal));
    }
    if (v >= ProtocolVersion::v14_1()) {
      CHECK(text(*mr, em2::kMeetingMessageType) == "1");
    } else {
      CHECK(!mr->child(em2::kMeetingMessageType));
    }
  }
}

TEST_CASE("an update of one occurrence is an exception with RecurrenceId, a cancel asks nothing") {
  std::string one =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\n"
      "UID:weekly-1@example.test\r\nSEQUENCE:3\r\nDTSTAMP:20261120T080000Z\r\n"
      "RECURRENCE-ID:20261210T090000Z\r\n"
      "DTSTART:20261210T090000Z\r\nDTEND:20261210T100000Z\r\nSTATUS:CANCELLED\r\n"
      "ORGANIZER:mailto:bob@example.test\r\n"
      "ATTENDEE;RSVP=TRUE:mailto:alice@example.test\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  auto m = meeting_request_from_ical(one, context());
  REQUIRE(m.is_ok());
  CHECK(m->instance_type == MeetingInstanceType::kException);
  CHECK(m->sequence == 3);
  WbxmlElement data(tag::air_sync::kApplicationData);
  meeting_request_to_wbxml(*m, ProtocolVersion::v16_1(), data);
  const WbxmlElement* mr = data.child(em::kMeetingRequest);
  REQUIRE(mr);
  CHECK(text(*mr, em::kRecurrenceId) == "2026-12-10T09:00:00.000Z");
  CHECK(text(*mr, em::kInstanceType) == "3");
  CHECK(text(*mr, em::kResponseRequested) == "0");
  CHECK(text(*mr, em::kOrganizer) == "bob@example.test");
  CHECK(text(*mr, em2::kMeetingMessageType) == "0");
  CHECK(!mr->child(em::kRecurrences));
  // INSTDATE carries the occurrence's date; the UID still reads back.
  std::string raw;
  REQUIRE(base64_decode(text(*mr, em::kGlobalObjId), &raw));
  CHECK(static_cast<unsigned char>(raw[16]) == 0x07);
  CHECK(static_cast<unsigned char>(raw[17]) == 0xEA);  // 2026
  CHECK(raw[18] == 12);
  CHECK(raw[19] == 10);
  CHECK(uid_from_global_obj_id(text(*mr, em::kGlobalObjId)) == "weekly-1@example.test");
}

TEST_CASE("GlobalObjId follows the MS-ASEMAIL 4.3 examples") {
  // Example 2: a vCal-Uid id.
  const std::string vcal =
      "BAAAAIIA4AB0xbcQGoLgCAAAAAAAAAAAAAAAAAAAAAAAAAAAMwAAAHZDYWwtVWlkAQAAAHs4MTQxMkQzQy0yQTI0LTRF"
      "OUQt"
      "QjIwRS0xMUY3QkJFOTI3OTl9AA==";
  CHECK(uid_from_global_obj_id(vcal) == "{81412D3C-2A24-4E9D-B20E-11F7BBE92799}");
  CHECK(global_obj_id_from_uid("{81412D3C-2A24-4E9D-B20E-11F7BBE92799}", std::nullopt) == vcal);
  // Example 1: an Outlook id; its UID form has INSTDATE zeroed and round-trips to bytes.
  const std::string outlook =
      "BAAAAIIA4AB0xbcQGoLgCAfUCRDgQMnBJoXEAQAAAAAAAAAAEAAAAAvw7UtuTulOnjnjhns3jvM=";
  const std::string uid =
      "040000008200E00074C5B7101A82E00800000000E040C9C12685C4010000000000000000100000000BF0ED4B6E4E"
      "E94E"
      "9E39E3867B378EF3";
  CHECK(uid_from_global_obj_id(outlook) == uid);
  CHECK(uid_from_global_obj_id(global_obj_id_from_uid(uid, std::nullopt)) == uid);
  // Garbage never reads as an id.
  CHECK(!uid_from_global_obj_id("not base64!"));
  CHECK(!uid_from_global_obj_id("AAAA"));
}

TEST_CASE("a text/calendar without a VEVENT is refused, not crashed on") {
  CHECK(!meeting_request_from_ical("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
                                   context())
             .is_ok());
  CHECK(!meeting_request_from_ical("garbage", context()).is_ok());
}

}  // namespace
}  // namespace easgate::ical
