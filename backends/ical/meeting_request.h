#pragma once
// The Email class MeetingRequest element (MS-ASEMAIL 2.2.2.48) of a mail that carries an
// iTIP request or cancellation (RFC 5546, delivered per RFC 6047 as a text/calendar part).
// The VEVENT is read with the Calendar converter (ical_calendar.h), so times, the TimeZone
// blob and the recurrence pattern are exactly what the Calendar class shows for the same
// event; this file adds what only the mail form has: InstanceType, RecurrenceId,
// GlobalObjId, MeetingMessageType and the seconds-based Reminder. Pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "backends/ical/eas_calendar_types.h"
#include "backends/ical/eas_time.h"
#include "gateway/core/status.h"
#include "gateway/eas/protocol_version.h"
#include "gateway/eas/wbxml/wbxml_element.h"

namespace easgate::ical {

// MS-ASEMAIL 2.2.2.39 InstanceType values.
enum class MeetingInstanceType : uint8_t {
  kSingle = 0,     // a single appointment
  kMaster = 1,     // the master of a recurring series
  kInstance = 2,   // one occurrence of a series (not produced: iTIP sends overrides)
  kException = 3,  // an exception to a series (the VEVENT has RECURRENCE-ID)
};

// What a meeting mail says about its meeting.
struct EasMeetingRequest {
  EasCalendarItem item;  // the event as the Calendar class reads it
  MeetingInstanceType instance_type = MeetingInstanceType::kSingle;  // InstanceType
  std::optional<EasTime> recurrence_id;  // RECURRENCE-ID (UTC) of a one-occurrence message
  std::string method;                    // iTIP METHOD, upper case: "REQUEST", "CANCEL", ...
  int sequence = 0;                      // SEQUENCE (RFC 5545 3.8.7.4); 0 = first version
  std::string global_obj_id;             // GlobalObjId, base64 (MS-ASEMAIL 2.2.2.37)
};

// Reads the text/calendar part of a meeting mail. `context.user_email` decides
// ResponseRequested (the user's own ATTENDEE RSVP). Status::malformed when the text has no
// usable VEVENT; too_large above kMaxIcalBytes.
[[nodiscard]] Result<EasMeetingRequest> meeting_request_from_ical(std::string_view ics,
                                                                  const ConversionContext& context);

// Appends email:MeetingRequest to `email_item` (the ApplicationData of the mail), gated by
// `version`: email:Location before 16.0, airsyncbase:Location from 16.0 (MS-ASEMAIL
// 2.2.2.46), DisallowNewTimeProposal from 14.0, email2:MeetingMessageType and
// email2:FirstDayOfWeek from 14.1, email2:CalendarType/IsLeapMonth from 14.0.
void meeting_request_to_wbxml(const EasMeetingRequest& meeting, ProtocolVersion version,
                              WbxmlElement& email_item);

// MS-ASEMAIL 2.2.2.37 GlobalObjId of an iCalendar UID, base64. A UID that is itself the hex
// form of an Outlook global id (MS-OXCICAL 2.1.3.1.1.20.26) is decoded back to its bytes
// (with the instance date cleared); any other UID travels as a "vCal-Uid" id. `instance`
// (the occurrence's date; only year, month and day are used) fills INSTDATE for one
// occurrence; nullopt: the whole series. NOW is left zero so the id is stable across syncs.
std::string global_obj_id_from_uid(std::string_view uid, std::optional<CivilTime> instance);

// The UID of a GlobalObjId (MS-ASEMAIL 3.1.4.7): the vCal-Uid string, or the upper-case
// hex of an Outlook id with its instance date zeroed. nullopt for anything else.
std::optional<std::string> uid_from_global_obj_id(std::string_view base64);

}  // namespace easgate::ical
