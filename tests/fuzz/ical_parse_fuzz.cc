// libFuzzer target for the iCalendar -> EAS conversion (and the TimeZone blob, RRULE and
// GlobalObjId parsers, and a meeting mail's MeetingRequest): whatever the bytes, a Status
// or a value, never a crash; a value converts back to iCalendar and parses again.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backends/ical/eas_timezone.h"
#include "backends/ical/ical_calendar.h"
#include "backends/ical/ical_recurrence.h"
#include "backends/ical/meeting_request.h"

using namespace easgate::ical;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ConversionContext ctx;
  ctx.user_email = "alice@example.test";
  ctx.default_timezone = "Europe/Berlin";
  if (auto item = calendar_item_from_ical(bytes, ctx)) {
    const std::string ics = ical_from_calendar_item(*item, std::string(bytes), ctx);
    if (!calendar_item_from_ical(ics, ctx).is_ok()) abort();  // our own output must parse
  }
  if (auto task = task_item_from_ical(bytes, ctx)) {
    const std::string ics = ical_from_task_item(*task, std::string(bytes), ctx);
    if (!task_item_from_ical(ics, ctx).is_ok()) abort();
  }
  // The Email MeetingRequest of a meeting mail's text/calendar part (MS-ASEMAIL 2.2.2.48).
  if (auto meeting = meeting_request_from_ical(bytes, ctx)) {
    easgate::WbxmlElement data(easgate::tag::air_sync::kApplicationData);
    meeting_request_to_wbxml(*meeting, easgate::ProtocolVersion::v16_1(), data);
    if (!uid_from_global_obj_id(meeting->global_obj_id)) abort();  // our own id must read back
  }
  if (size < 512) {
    (void)uid_from_global_obj_id(bytes);
    (void)parse_eas_timezone_blob(bytes);
    (void)recurrence_from_rrule(bytes, CivilTime{2024, 1, 1, 0, 0, 0},
                                [](const CivilTime& c) { return civil_to_time(c); });
  }
  return 0;
}
