// VTODO <-> EasTaskItem round trips, merge, WBXML.
#include <doctest/doctest.h>

#include "backends/ical/calendar_wbxml.h"
#include "backends/ical/eas_time.h"
#include "backends/ical/ical_calendar.h"
#include "tests/unit/ical/test_support.h"

namespace easgate::ical {
namespace {

ConversionContext context() {
  ConversionContext c;
  c.user_email = "alice@example.test";
  c.default_timezone = "Europe/Berlin";
  return c;
}

const char* kTodo =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\n"
    "UID:todo-1@example.test\r\nDTSTAMP:20240101T000000Z\r\n"
    "SUMMARY:File taxes\r\nDESCRIPTION:Before the deadline\r\n"
    "DTSTART:20240301T080000Z\r\nDUE:20240415T150000Z\r\n"
    "PRIORITY:1\r\nCATEGORIES:Home\r\nCLASS:PRIVATE\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1\r\n"
    "X-TASK-EXTRA:keep\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER;RELATED=END:-PT1H\r\nEND:VALARM\r\n"
    "END:VTODO\r\nEND:VCALENDAR\r\n";

TEST_CASE("VTODO -> EAS -> VTODO -> EAS") {
  auto t = task_item_from_ical(kTodo, context());
  REQUIRE(t.is_ok());
  CHECK(t->subject == "File taxes");
  CHECK(t->body == std::optional<std::string>("Before the deadline"));
  CHECK(t->utc_start_date == civil_to_time({2024, 3, 1, 8, 0, 0}));
  CHECK(t->start_date == civil_to_time({2024, 3, 1, 9, 0, 0}));  // Berlin wall time
  CHECK(t->utc_due_date == civil_to_time({2024, 4, 15, 15, 0, 0}));
  CHECK(t->due_date == civil_to_time({2024, 4, 15, 17, 0, 0}));  // CEST
  CHECK(t->importance == 2);
  CHECK(t->categories == std::vector<std::string>{"Home"});
  CHECK(t->sensitivity == 2);
  CHECK(t->reminder_set);
  CHECK(t->reminder_time == civil_to_time({2024, 4, 15, 14, 0, 0}));
  REQUIRE(t->recurrence.has_value());
  CHECK(t->recurrence->type == EasRecurrence::Type::kYearly);
  CHECK(t->recurrence->start == t->start_date);
  CHECK_FALSE(t->complete);

  const std::string ics = ical_from_task_item(*t, std::string(kTodo), context());
  CHECK(ics.find("X-TASK-EXTRA:keep") != std::string::npos);
  CHECK(ics.find("RELATED=END") != std::string::npos);  // unchanged alarm kept as is
  auto again = task_item_from_ical(ics, context());
  REQUIRE(again.is_ok());
  CHECK(*again == *t);
}

TEST_CASE("EAS -> VTODO -> EAS: completion, importance, dates, reminder") {
  EasTaskItem t;
  t.subject = "Call Bob";
  t.body = "about the invoice";
  t.categories = {"Work", "Phone"};
  t.complete = true;
  t.date_completed = civil_to_time({2024, 5, 2, 10, 0, 0});
  t.start_date = civil_to_time({2024, 5, 1, 0, 0, 0});
  t.utc_start_date = civil_to_time({2024, 4, 30, 22, 0, 0});
  t.due_date = civil_to_time({2024, 5, 3, 0, 0, 0});
  t.utc_due_date = civil_to_time({2024, 5, 2, 22, 0, 0});
  t.importance = 0;
  t.reminder_set = true;
  t.reminder_time = civil_to_time({2024, 5, 2, 7, 0, 0});
  t.sensitivity = 0;
  t.uid = "call-bob@example.test";
  const std::string ics = ical_from_task_item(t, std::nullopt, context());
  CHECK(ics.find("DUE;VALUE=DATE:20240503") != std::string::npos);
  CHECK(ics.find("STATUS:COMPLETED") != std::string::npos);
  CHECK(ics.find("PRIORITY:9") != std::string::npos);
  auto back = task_item_from_ical(ics, context());
  REQUIRE(back.is_ok());
  CHECK(*back == t);

  for (ProtocolVersion v : {ProtocolVersion::v12_1(), ProtocolVersion::v14_1(), ProtocolVersion::v16_1()}) {
    WbxmlElement ad(tag::air_sync::kApplicationData);
    to_wbxml(t, v, ad);
    auto w = task_from_wbxml(ad, v);
    REQUIRE(w.is_ok());
    EasTaskItem expected = t;
    expected.uid.clear();  // Tasks has no UID element
    CHECK(*w == expected);
  }
}

TEST_CASE("Malformed VTODO input") {
  CHECK(task_item_from_ical("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", context()).status().kind() ==
        ErrorKind::kMalformed);
  CHECK(task_item_from_ical("\x01\x02", context()).status().kind() == ErrorKind::kMalformed);
  WbxmlElement ad(tag::air_sync::kApplicationData);
  ad.add_text(tag::tasks::kImportance, "7");
  CHECK(task_from_wbxml(ad, ProtocolVersion::v14_1()).status().kind() == ErrorKind::kMalformed);
}

}  // namespace
}  // namespace easgate::ical
