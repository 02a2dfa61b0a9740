#pragma once
// MeetingResponse (MS-ASCMD 2.2.1.11): the user accepts, tentatively accepts or declines a
// meeting. The calendar object on the CalDAV server gets the user's PARTSTAT (PUT with
// If-Match: a change made meanwhile is re-read, never overwritten) and the organizer gets
// an iMIP REPLY (RFC 6047, METHOD:REPLY with the user's ATTENDEE line only) through SMTP
// submission with the user's credentials.
//
// The RequestId may name the item in a calendar folder, or the meeting request mail in a
// mail folder: then the mail's text/calendar part gives the UID, the object is found by
// UID with a calendar-query REPORT in the user's calendars ("<uid>.ics" on servers without
// one; created in the default calendar when absent) and the mail
// goes to Deleted Items as Exchange does. CalendarId is the item's ServerId when the device
// has synced that calendar.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/commands/command_handler.h"
#include "gateway/core/status.h"

namespace easgate {

class MeetingResponseHandler final : public CommandHandler {
 public:
  void handle(std::shared_ptr<RequestContext> request) override;
};

// MS-ASCMD 2.2.3.182 UserResponse.
enum class MeetingAnswer : uint8_t {
  kAccepted = 1,   // Accepted: PARTSTAT=ACCEPTED
  kTentative = 2,  // Tentatively accepted: PARTSTAT=TENTATIVE
  kDeclined = 3,   // Declined: PARTSTAT=DECLINED
};

// What answering a meeting changes.
struct MeetingReply {
  // The calendar object with the user's PARTSTAT set (to PUT back).
  std::string updated_ics;
  // The iMIP REPLY object (METHOD:REPLY; UID, SEQUENCE, DTSTAMP, ORGANIZER, the user's
  // ATTENDEE, DTSTART/DTEND, SUMMARY of each answered component).
  std::string reply_ics;
  // Organizer address without "mailto:"; empty when the object has none.
  std::string organizer;
  // SUMMARY of the meeting (for the reply mail's subject).
  std::string summary;
};

// Sets `user`'s PARTSTAT in every VEVENT of `ics` (the series and its overrides) and
// builds the REPLY. With `instance` (the occurrence's original start, UTC seconds; MS-ASCMD
// 2.2.3.92.1 InstanceId) only that occurrence is answered: its override VEVENT, created
// from the master with RECURRENCE-ID when there is none yet, and a REPLY naming it by
// RECURRENCE-ID (RFC 5546 section 3.2.3). kNotFound when `user` is not an ATTENDEE or the
// series has no such occurrence; kUnsupported when `instance` is given for a meeting that
// does not recur; kMalformed for bad text. `now_utc` is the DTSTAMP ("20260101T000000Z").
// Implemented in meeting_response_ical.cc.
[[nodiscard]] Result<MeetingReply> answer_meeting(std::string_view ics, std::string_view user,
                                                  MeetingAnswer answer, std::string_view now_utc,
                                                  std::optional<int64_t> instance = std::nullopt);

// True when some VEVENT of `ics` has exactly the UID `uid` (RFC 5545 section 3.8.4.7:
// compared as is, case-sensitively). False for unreadable text.
bool meeting_has_uid(std::string_view ics, std::string_view uid);

}  // namespace easgate
