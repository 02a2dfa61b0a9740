#include <doctest/doctest.h>

#include "gateway/commands/meeting_response.h"

using namespace easgate;

namespace {

const char kInvite[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:m1\r\n"
    "DTSTAMP:20260101T000000Z\r\nDTSTART:20300201T140000Z\r\nDTEND:20300201T150000Z\r\n"
    "SUMMARY:Review\r\nSEQUENCE:3\r\nORGANIZER:mailto:bob@example.test\r\n"
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.test\r\n"
    "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:Alice@Example.test\r\n"
    "X-KEEP:yes\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

}  // namespace

TEST_CASE("accepting sets the user's PARTSTAT and keeps the rest") {
  auto r = answer_meeting(kInvite, "alice@example.test", MeetingAnswer::kAccepted, "20260301T120000Z");
  REQUIRE(r.is_ok());
  CHECK(r->organizer == "bob@example.test");
  CHECK(r->summary == "Review");
  CHECK(r->updated_ics.find("X-KEEP:yes") != std::string::npos);
  CHECK(r->updated_ics.find("PARTSTAT=NEEDS-ACTION") == std::string::npos);
  CHECK(r->updated_ics.find("RSVP=TRUE") == std::string::npos);
}

TEST_CASE("the REPLY carries METHOD:REPLY, the UID, SEQUENCE and only the user's ATTENDEE") {
  auto r = answer_meeting(kInvite, "alice@example.test", MeetingAnswer::kDeclined, "20260301T120000Z");
  REQUIRE(r.is_ok());
  const std::string& ics = r->reply_ics;
  CHECK(ics.find("METHOD:REPLY") != std::string::npos);
  CHECK(ics.find("UID:m1") != std::string::npos);
  CHECK(ics.find("SEQUENCE:3") != std::string::npos);
  CHECK(ics.find("PARTSTAT=DECLINED") != std::string::npos);
  CHECK(ics.find("bob@example.test\r\nATTENDEE") == std::string::npos);
  CHECK(ics.find("X-KEEP") == std::string::npos);
  size_t attendees = 0;
  for (size_t p = ics.find("ATTENDEE"); p != std::string::npos; p = ics.find("ATTENDEE", p + 1)) ++attendees;
  CHECK(attendees == 1);
}

TEST_CASE("a user who is not invited, or bad text, is refused") {
  CHECK(answer_meeting(kInvite, "carol@example.test", MeetingAnswer::kAccepted, "20260301T120000Z")
            .status().kind() == ErrorKind::kNotFound);
  CHECK_FALSE(answer_meeting("nonsense", "alice@example.test", MeetingAnswer::kAccepted, "20260301T120000Z").is_ok());
}

TEST_CASE("an invitation's METHOD does not reach the stored object") {
  std::string invite(kInvite);
  invite.insert(invite.find("PRODID"), "METHOD:REQUEST\r\n");
  auto r = answer_meeting(invite, "alice@example.test", MeetingAnswer::kTentative, "20260301T120000Z");
  REQUIRE(r.is_ok());
  CHECK(r->updated_ics.find("METHOD") == std::string::npos);
  CHECK(r->reply_ics.find("METHOD:REPLY") != std::string::npos);
  CHECK(r->updated_ics.find("PARTSTAT=TENTATIVE") != std::string::npos);
}

namespace {

// A daily series in Europe/Berlin (14:00Z = 15:00 CET) with one moved occurrence.
const char kSeries[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "END:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20300301T150000\r\nDTEND;TZID=Europe/Berlin:20300301T160000\r\n"
    "RRULE:FREQ=DAILY;COUNT=5\r\nEXDATE;TZID=Europe/Berlin:20300304T150000\r\n"
    "SUMMARY:Daily\r\nSEQUENCE:1\r\nORGANIZER:mailto:bob@example.test\r\n"
    "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:alice@example.test\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20260101T000000Z\r\n"
    "RECURRENCE-ID;TZID=Europe/Berlin:20300302T150000\r\n"
    "DTSTART;TZID=Europe/Berlin:20300302T170000\r\nDTEND;TZID=Europe/Berlin:20300302T180000\r\n"
    "SUMMARY:Daily moved\r\nORGANIZER:mailto:bob@example.test\r\n"
    "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:alice@example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

constexpr int64_t kMar3At14Z = 1898776800;  // 2030-03-03T14:00:00Z
constexpr int64_t kMar2At14Z = kMar3At14Z - 86400;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("InstanceId answers one occurrence: a new override with RECURRENCE-ID") {
  auto r = answer_meeting(kSeries, "alice@example.test", MeetingAnswer::kAccepted,
                          "20260301T120000Z", kMar3At14Z);
  REQUIRE(r.is_ok());
  const std::string& ics = r->updated_ics;
  CHECK(ics.find("RECURRENCE-ID;TZID=Europe/Berlin:20300303T150000") != std::string::npos);
  CHECK(ics.find("DTSTART;TZID=Europe/Berlin:20300303T150000") != std::string::npos);
  CHECK(ics.find("DTEND;TZID=Europe/Berlin:20300303T160000") != std::string::npos);
  CHECK(count(ics, "PARTSTAT=ACCEPTED") == 1);       // only the occurrence
  CHECK(count(ics, "PARTSTAT=NEEDS-ACTION") == 2);   // the series and the moved one
  CHECK(count(ics, "RRULE:FREQ=DAILY") == 1);        // the override has none
  const std::string& reply = r->reply_ics;
  CHECK(reply.find("RECURRENCE-ID;TZID=Europe/Berlin:20300303T150000") != std::string::npos);
  CHECK(count(reply, "BEGIN:VEVENT") == 1);
  CHECK(reply.find("PARTSTAT=ACCEPTED") != std::string::npos);
}

TEST_CASE("InstanceId of an existing override answers that override only") {
  auto r = answer_meeting(kSeries, "alice@example.test", MeetingAnswer::kDeclined,
                          "20260301T120000Z", kMar2At14Z);
  REQUIRE(r.is_ok());
  CHECK(count(r->updated_ics, "BEGIN:VEVENT") == 2);  // no new component
  CHECK(count(r->updated_ics, "PARTSTAT=DECLINED") == 1);
  CHECK(r->reply_ics.find("SUMMARY:Daily moved") != std::string::npos);
  CHECK(r->reply_ics.find("RECURRENCE-ID;TZID=Europe/Berlin:20300302T150000") != std::string::npos);
}

TEST_CASE("InstanceId that names no occurrence, a deleted one, or a single meeting is refused") {
  // 14:30Z is not a start; 2030-03-04 is an EXDATE; the 6th day is past COUNT.
  for (int64_t t : {kMar3At14Z + 1800, kMar3At14Z + 86400, kMar3At14Z + 3 * 86400}) {
    CAPTURE(t);
    CHECK(answer_meeting(kSeries, "alice@example.test", MeetingAnswer::kAccepted,
                         "20260301T120000Z", t).status().kind() == ErrorKind::kNotFound);
  }
  CHECK(answer_meeting(kInvite, "alice@example.test", MeetingAnswer::kAccepted, "20260301T120000Z",
                       int64_t{1896184800}).status().kind() == ErrorKind::kUnsupported);
}

TEST_CASE("meeting_has_uid compares the UID exactly") {
  CHECK(meeting_has_uid(kInvite, "m1"));
  CHECK_FALSE(meeting_has_uid(kInvite, "M1"));
  CHECK_FALSE(meeting_has_uid(kInvite, "m"));
  CHECK_FALSE(meeting_has_uid("junk", "m1"));
}
