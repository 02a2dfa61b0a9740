#include "backends/dav/ical_busy.h"

#include <libical/ical.h>

#include <algorithm>
#include <ctime>

#include "backends/dav/dav_item_xml.h"

namespace easgate {

namespace {

std::string utc_stamp(std::chrono::sys_seconds t) {
  const std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

struct Collect {
  std::vector<BusyInterval>* out;  // where spans go
  BusyInterval::Kind kind;         // of the event being expanded
  std::time_t start;               // window start
  std::time_t end;                 // window end
};

void on_span(icalcomponent*, struct icaltime_span* span, void* data) {
  auto* c = static_cast<Collect*>(data);
  const std::time_t s = std::max<std::time_t>(span->start, c->start);
  const std::time_t e = std::min<std::time_t>(span->end, c->end);
  if (e <= s) return;
  c->out->push_back({std::chrono::sys_seconds(std::chrono::seconds(s)),
                     std::chrono::sys_seconds(std::chrono::seconds(e)), c->kind});
}

void add_event(icalcomponent* ev, Collect* c) {
  if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED) return;
  if (icalproperty* t = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY)) {
    if (icalproperty_get_transp(t) == ICAL_TRANSP_TRANSPARENT) return;
  }
  c->kind = icalcomponent_get_status(ev) == ICAL_STATUS_TENTATIVE ? BusyInterval::Kind::kTentative
                                                                   : BusyInterval::Kind::kBusy;
  const icaltimetype ws = icaltime_from_timet_with_zone(c->start, 0, icaltimezone_get_utc_timezone());
  const icaltimetype we = icaltime_from_timet_with_zone(c->end, 0, icaltimezone_get_utc_timezone());
  icalcomponent_foreach_recurrence(ev, ws, we, &on_span, c);
}

}  // namespace

std::string event_query_body(std::chrono::sys_seconds start, std::chrono::sys_seconds end) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
         "<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name=\"VCALENDAR\">"
         "<C:comp-filter name=\"VEVENT\"><C:time-range start=\"" +
         utc_stamp(start) + "\" end=\"" + utc_stamp(end) +
         "\"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>";
}

Status add_busy_from_ical(std::string_view ical, std::chrono::sys_seconds start,
                          std::chrono::sys_seconds end, std::vector<BusyInterval>* out) {
  const std::string text(ical);
  icalcomponent* root = icalparser_parse_string(text.c_str());
  if (!root) return Status::malformed("calendar data is not iCalendar");
  Collect c{out, BusyInterval::Kind::kBusy, start.time_since_epoch().count(),
            end.time_since_epoch().count()};
  if (icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT) {
    add_event(root, &c);
  } else {
    for (icalcomponent* ev = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)) {
      add_event(ev, &c);
    }
  }
  icalcomponent_free(root);
  return Status::ok();
}

}  // namespace easgate
