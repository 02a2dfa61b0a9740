#pragma once
// The typed form of the EAS Calendar (MS-ASCAL) and Tasks (MS-ASTASK) classes: what the
// Sync engine encodes into ApplicationData and what a client's Add/Change decodes to.
// Plain values; times are UTC seconds since the Unix epoch (EasTime) unless a field says
// "local", in which case the wall-clock time is stored as if it were UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/eas/protocol_version.h"

namespace easgate::ical {

// Seconds since 1970-01-01T00:00:00Z.
using EasTime = int64_t;

// Recurrence pattern (MS-ASCAL 2.2.2.37 Recurrence, MS-ASTASK 2.2.2.18).
struct EasRecurrence {
  // MS-ASCAL 2.2.2.46 Type values.
  enum class Type : uint8_t {
    kDaily = 0,          // every Interval days (optionally on DayOfWeek days)
    kWeekly = 1,         // every Interval weeks on DayOfWeek days
    kMonthly = 2,        // every Interval months on DayOfMonth
    kMonthlyNth = 3,     // every Interval months on the WeekOfMonth-th DayOfWeek
    kYearly = 5,         // every Interval years on MonthOfYear/DayOfMonth
    kYearlyNth = 6,      // every Interval years on the WeekOfMonth-th DayOfWeek of MonthOfYear
  };
  Type type = Type::kDaily;                 // the pattern
  int interval = 1;                         // Interval: 1 = every period
  std::optional<EasTime> until;             // Until: last occurrence may start at or before
  std::optional<int> occurrences;           // Occurrences: count (exclusive with until)
  std::optional<int> day_of_week;           // DayOfWeek bitmask: Sun 1 .. Sat 64, 127 = last day
  std::optional<int> day_of_month;          // DayOfMonth 1..31
  std::optional<int> week_of_month;         // WeekOfMonth 1..4, 5 = last
  std::optional<int> month_of_year;         // MonthOfYear 1..12
  std::optional<int> first_day_of_week;     // FirstDayOfWeek 0 = Sunday .. 6 (14.1+)
  std::optional<int> calendar_type;         // CalendarType (14.0+), 0 = default Gregorian
  std::optional<bool> is_leap_month;        // IsLeapMonth (14.0+)
  // Tasks only (MS-ASTASK 2.2.2.18): start of the series, local time.
  std::optional<EasTime> start;
  std::optional<bool> regenerate;           // Tasks Regenerate: next due counts from completion
  std::optional<bool> dead_occur;           // Tasks DeadOccur: the series has ended

  friend bool operator==(const EasRecurrence&, const EasRecurrence&) = default;
};

// Attendee (MS-ASCAL 2.2.2.3).
struct EasAttendee {
  std::string email;                        // Email: SMTP address
  std::string name;                         // Name: display name (may be empty)
  // AttendeeStatus (12.0+): 0 unknown, 2 tentative, 3 accept, 4 decline, 5 not responded.
  std::optional<int> status;
  // AttendeeType (12.0+): 1 required, 2 optional, 3 resource.
  std::optional<int> type;

  friend bool operator==(const EasAttendee&, const EasAttendee&) = default;
};

// 16.x structured location (MS-ASAIRS 2.2.2.28 Location); before 16.0 only display_name
// travels, as calendar:Location.
struct EasLocation {
  std::string display_name;                 // DisplayName: what a calendar shows
  std::optional<std::string> annotation;    // Annotation: free text about the place
  std::optional<std::string> street;        // Street
  std::optional<std::string> city;          // City
  std::optional<std::string> state;         // State
  std::optional<std::string> country;       // Country
  std::optional<std::string> postal_code;   // PostalCode
  std::optional<double> latitude;           // Latitude, degrees
  std::optional<double> longitude;          // Longitude, degrees
  std::optional<std::string> location_uri;  // LocationUri

  friend bool operator==(const EasLocation&, const EasLocation&) = default;
};

// One modified or deleted occurrence (MS-ASCAL 2.2.2.21 Exception). Unset fields inherit
// the series value.
struct EasException {
  EasTime exception_start_time = 0;         // ExceptionStartTime / 16.x InstanceId: original start
  bool deleted = false;                     // Deleted: the occurrence was removed
  std::optional<std::string> subject;       // Subject
  std::optional<EasLocation> location;      // Location
  std::optional<std::string> body;          // Body (plain text)
  std::optional<EasTime> start_time;        // StartTime of the changed occurrence
  std::optional<EasTime> end_time;          // EndTime of the changed occurrence
  std::optional<bool> all_day_event;        // AllDayEvent
  std::optional<int> reminder;              // Reminder, minutes before start
  std::optional<int> busy_status;           // BusyStatus (see EasCalendarItem)
  std::optional<int> sensitivity;           // Sensitivity (see EasCalendarItem)
  std::optional<int> meeting_status;        // MeetingStatus (see EasCalendarItem)
  std::optional<EasTime> dt_stamp;          // DtStamp of the exception
  std::optional<std::vector<std::string>> categories;  // Categories; empty list = none
  std::optional<std::vector<EasAttendee>> attendees;   // Attendees (14.0+ in exceptions)
  std::optional<int> response_type;         // ResponseType (14.0+)

  friend bool operator==(const EasException&, const EasException&) = default;
};

// A calendar item (MS-ASCAL 2.2.2).
struct EasCalendarItem {
  std::string timezone_blob;                // Timezone: base64 TIME_ZONE_INFORMATION; "" = UTC
  bool all_day_event = false;               // AllDayEvent
  EasTime start_time = 0;                   // StartTime (UTC)
  EasTime end_time = 0;                     // EndTime (UTC)
  std::optional<EasTime> dt_stamp;          // DtStamp
  std::string subject;                      // Subject
  std::optional<EasLocation> location;      // Location (calendar:Location < 16.0)
  std::optional<std::string> body;          // Body, plain text
  std::string uid;                          // UID: the iCalendar UID
  std::optional<std::string> client_uid;    // ClientUid (16.0+), set by the device on Add
  std::string organizer_email;              // OrganizerEmail ("" = none)
  std::string organizer_name;               // OrganizerName
  std::vector<EasAttendee> attendees;       // Attendees
  std::optional<int> reminder;              // Reminder, minutes before start
  // BusyStatus: 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere (16.0).
  std::optional<int> busy_status;
  // Sensitivity: 0 normal, 1 personal, 2 private, 3 confidential.
  std::optional<int> sensitivity;
  std::vector<std::string> categories;      // Categories/Category
  // MeetingStatus (MS-ASCAL 2.2.2.29): 0 appointment, 1 meeting (organizer), 3 received,
  // 5 canceled (organizer), 7 canceled (received).
  int meeting_status = 0;
  std::optional<EasRecurrence> recurrence;  // Recurrence (absent = single)
  std::vector<EasException> exceptions;     // Exceptions
  std::optional<bool> response_requested;   // ResponseRequested (14.0+)
  std::optional<EasTime> appointment_reply_time;  // AppointmentReplyTime (14.0+)
  // ResponseType (14.0+): 0 none, 1 organizer, 2 tentative, 3 accepted, 4 declined,
  // 5 not responded.
  std::optional<int> response_type;
  std::optional<bool> disallow_new_time_proposal;  // DisallowNewTimeProposal (14.0+)
  std::optional<std::string> online_meeting_conf_link;      // OnlineMeetingConfLink (14.1+)
  std::optional<std::string> online_meeting_external_link;  // OnlineMeetingExternalLink (14.1+)
  // Not sent to clients: the iCalendar recurrence could not be expressed in EAS terms
  // exactly (e.g. FREQ=HOURLY, several BYMONTHDAY values); the series shows as single.
  bool recurrence_lossy = false;

  friend bool operator==(const EasCalendarItem&, const EasCalendarItem&) = default;
};

// A task (MS-ASTASK 2.2.2).
struct EasTaskItem {
  std::string subject;                      // Subject
  std::optional<std::string> body;          // Body, plain text
  std::vector<std::string> categories;      // Categories/Category
  bool complete = false;                    // Complete
  std::optional<EasTime> date_completed;    // DateCompleted (UTC), required when complete
  std::optional<EasTime> start_date;        // StartDate, local wall time
  std::optional<EasTime> utc_start_date;    // UtcStartDate
  std::optional<EasTime> due_date;          // DueDate, local wall time
  std::optional<EasTime> utc_due_date;      // UtcDueDate
  int importance = 1;                       // Importance: 0 low, 1 normal, 2 high
  std::optional<EasRecurrence> recurrence;  // Recurrence (start required by MS-ASTASK)
  bool reminder_set = false;                // ReminderSet
  std::optional<EasTime> reminder_time;     // ReminderTime (UTC)
  std::optional<int> sensitivity;           // Sensitivity, as for calendar items
  std::string uid;                          // the VTODO UID (not sent: Tasks has no UID)

  friend bool operator==(const EasTaskItem&, const EasTaskItem&) = default;
};

// What a conversion needs besides the data.
struct ConversionContext {
  ProtocolVersion version = ProtocolVersion::v16_1();  // the client's protocol version
  std::string user_email;          // the mailbox owner: decides organizer vs. attendee
  std::string default_timezone = "UTC";  // IANA zone for floating times and all-day dates
};

}  // namespace easgate::ical
