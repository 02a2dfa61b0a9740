#pragma once
// MeetingResponse (MS-ASCMD 2.2.1.11): the user accepts, tentatively accepts or declines a
// meeting. The calendar object on the CalDAV server gets the user's PARTSTAT (PUT with
// If-Match: a change made meanwhile is re-read, never overwritten) and the organizer gets
// an iMIP REPLY (RFC 6047, METHOD:REPLY with the user's ATTENDEE line only) through SMTP
// submission with the user's credentials.
//
// The RequestId may name the item in a calendar folder, or the meeting request mail in a
// mail folder: then the mail's text/calendar part gives the UID, the object "<uid>.ics" is
// looked for in the user's calendars (created in the default one when absent) and the mail
// goes to Deleted Items as Exchange does. CalendarId is the item's ServerId when the device
// has synced that calendar.

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
// builds the REPLY. kNotFound when `user` is not an ATTENDEE; kMalformed for bad text.
// `now_utc` is the DTSTAMP ("20260101T000000Z").
[[nodiscard]] Result<MeetingReply> answer_meeting(std::string_view ics, std::string_view user,
                                                  MeetingAnswer answer,
                                                  std::string_view now_utc);

}  // namespace easgate
