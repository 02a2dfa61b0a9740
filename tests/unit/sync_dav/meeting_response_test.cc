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
