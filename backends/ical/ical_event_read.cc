// VEVENT (+ overrides) -> EasCalendarItem.
#include <algorithm>
#include <map>

#include "backends/ical/eas_time.h"
#include "backends/ical/ical_calendar.h"
#include "backends/ical/ical_props.h"
#include "backends/ical/ical_recurrence.h"

namespace easgate::ical {
namespace {

using namespace detail;

// What one VEVENT says, before master/override differences are taken.
struct EventView {
  EasCalendarItem item;           // fields of this component
  std::optional<EasTime> recurrence_id;  // RECURRENCE-ID as UTC (overrides only)
  bool cancelled = false;         // STATUS:CANCELLED
};

int busy_status(icalcomponent* ev) {
  if (auto x = x_prop(ev, kXBusyStatus)) {
    if (*x == "FREE") return 0;
    if (*x == "TENTATIVE") return 1;
    if (*x == "BUSY") return 2;
    if (*x == "OOF") return 3;
    if (*x == "WORKINGELSEWHERE") return 4;
  }
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY))
    if (icalproperty_get_transp(p) == ICAL_TRANSP_TRANSPARENT) return 0;
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY))
    if (icalproperty_get_status(p) == ICAL_STATUS_TENTATIVE) return 1;
  return 2;
}

std::optional<EasLocation> location(icalcomponent* ev) {
  EasLocation loc;
  bool any = false;
  if (auto s = text_prop(ev, ICAL_LOCATION_PROPERTY)) loc.display_name = *s, any = true;
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_GEO_PROPERTY)) {
    const icalgeotype g = icalproperty_get_geo(p);
    loc.latitude = g.lat;
    loc.longitude = g.lon;
    any = true;
  }
  auto x = [&](const char* suffix, std::optional<std::string>& field) {
    if (auto v = x_prop(ev, (std::string(kXLocationPrefix) + suffix).c_str())) field = v, any = true;
  };
  x("ANNOTATION", loc.annotation);
  x("STREET", loc.street);
  x("CITY", loc.city);
  x("STATE", loc.state);
  x("COUNTRY", loc.country);
  x("POSTALCODE", loc.postal_code);
  x("URI", loc.location_uri);
  if (!any) return std::nullopt;
  return loc;
}

Result<EventView> read_event(icalcomponent* vcal, icalcomponent* ev, icaltimezone* fallback,
                             const ConversionContext& ctx) {
  EventView view;
  EasCalendarItem& item = view.item;
  icalproperty* dtstart = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
  if (!dtstart) return Status::malformed("ical: VEVENT without DTSTART");
  icaltimezone* zone = nullptr;
  const icaltimetype start = prop_time(vcal, dtstart, &zone);
  if (icaltime_is_null_time(start) || !icaltime_is_valid_time(start))
    return Status::malformed("ical: bad DTSTART");
  item.all_day_event = start.is_date;
  icaltimezone* event_zone = zone ? zone : fallback;
  item.start_time = to_eas_time(start, event_zone);
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY)) {
    const icaltimetype end = prop_time(vcal, p, nullptr);
    item.end_time = icaltime_is_null_time(end) ? item.start_time : to_eas_time(end, event_zone);
  } else if (icalproperty* d = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY)) {
    item.end_time = item.start_time + icaldurationtype_as_int(icalproperty_get_duration(d));
  } else {
    item.end_time = item.start_time + (item.all_day_event ? 86400 : 0);  // RFC 5545 3.6.1
  }
  if (item.end_time < item.start_time) item.end_time = item.start_time;
  const int year = time_to_civil(item.start_time).year;
  item.timezone_blob = encode_eas_timezone(
      eas_timezone_from_zone(event_zone == icaltimezone_get_utc_timezone() ? nullptr : event_zone,
                             year, zone_name(event_zone)));

  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_DTSTAMP_PROPERTY))
    item.dt_stamp = to_eas_time(icalproperty_get_dtstamp(p), nullptr);
  item.subject = text_prop(ev, ICAL_SUMMARY_PROPERTY).value_or("");
  item.location = location(ev);
  item.body = text_prop(ev, ICAL_DESCRIPTION_PROPERTY);
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY))
    item.uid = icalproperty_get_uid(p) ? icalproperty_get_uid(p) : "";
  item.client_uid = x_prop(ev, kXClientUid);

  bool user_is_organizer = false;
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY)) {
    const char* v = icalproperty_get_organizer(p);
    item.organizer_email = strip_mailto(v ? v : "");
    item.organizer_name = param_text(p, "CN");
    user_is_organizer = same_address(item.organizer_email, ctx.user_email);
  }
  std::optional<std::string> user_partstat, user_rsvp;
  for (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
       p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
    EasAttendee a = attendee_from(p);
    if (!ctx.user_email.empty() && same_address(a.email, ctx.user_email)) {
      user_partstat = param_text(p, "PARTSTAT");
      user_rsvp = param_text(p, "RSVP");
    }
    item.attendees.push_back(std::move(a));
  }
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY))
    view.cancelled = icalproperty_get_status(p) == ICAL_STATUS_CANCELLED;
  // MS-ASCAL 2.2.2.29 MeetingStatus: an event with attendees is a meeting; who organizes it
  // decides 1 (mine) or 3 (received); cancellation adds 4.
  if (!item.attendees.empty()) {
    item.meeting_status = user_is_organizer || ctx.user_email.empty() ? 1 : 3;
    if (view.cancelled) item.meeting_status += 4;
  }
  if (user_is_organizer && !item.attendees.empty()) item.response_type = 1;
  else if (user_partstat) item.response_type = response_type_from_partstat(*user_partstat);
  if (user_rsvp && !user_rsvp->empty()) item.response_requested = *user_rsvp == "TRUE";

  item.reminder = reminder_minutes(ev, item.start_time);
  item.busy_status = busy_status(ev);
  item.sensitivity = sensitivity(ev);
  item.categories = categories(ev);
  if (auto x = x_prop(ev, kXReplyTime)) item.appointment_reply_time = parse_eas_datetime(*x);
  if (auto x = x_prop(ev, kXDisallowCounter)) item.disallow_new_time_proposal = *x == "TRUE";
  item.online_meeting_conf_link = x_prop(ev, kXConfLink);
  item.online_meeting_external_link = x_prop(ev, kXExternalLink);

  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)) {
    const icaltimetype rid = prop_time(vcal, p, nullptr);
    view.recurrence_id = to_eas_time(rid, event_zone);
  }
  if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY)) {
    char* text = icalproperty_get_value_as_string_r(p);
    const std::string rrule = text ? text : "";
    free(text);
    const CivilTime local = time_to_civil(item.start_time + utc_offset_at(event_zone, item.start_time));
    auto r = recurrence_from_rrule(rrule, local, [&](const CivilTime& d) {
      return civil_to_time(d) - utc_offset_at(event_zone, civil_to_time(d));
    });
    if (r) item.recurrence = std::move(*r);
    else item.recurrence_lossy = true;
    if (icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY)) item.recurrence_lossy = true;
  }
  if (icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY)) item.recurrence_lossy = true;
  if (item.recurrence) {
    for (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
      const icaltimetype ex = prop_time(vcal, p, nullptr);
      if (icaltime_is_null_time(ex)) continue;
      EasException e;
      e.deleted = true;
      e.exception_start_time = to_eas_time(ex, event_zone);
      item.exceptions.push_back(e);
    }
  }
  return view;
}

template <typename T>
std::optional<T> if_differs(const T& value, const T& master) {
  if (value == master) return std::nullopt;
  return value;
}

// An override VEVENT as an EAS exception: only what differs from the series.
EasException exception_from(const EventView& o, const EasCalendarItem& m) {
  const EasCalendarItem& v = o.item;
  EasException e;
  e.exception_start_time = *o.recurrence_id;
  if (o.cancelled && v.attendees.empty()) {
    e.deleted = true;
    return e;
  }
  e.subject = if_differs(v.subject, m.subject);
  if (v.location != m.location) e.location = v.location.value_or(EasLocation{});
  if (v.body != m.body) e.body = v.body.value_or("");
  e.start_time = v.start_time;  // clients expect the instance's times on every exception
  e.end_time = v.end_time;
  e.all_day_event = if_differs(v.all_day_event, m.all_day_event);
  if (v.reminder != m.reminder) e.reminder = v.reminder.value_or(0);
  if (v.busy_status != m.busy_status) e.busy_status = v.busy_status;
  if (v.sensitivity != m.sensitivity) e.sensitivity = v.sensitivity.value_or(0);
  e.meeting_status = if_differs(v.meeting_status, m.meeting_status);
  if (v.dt_stamp != m.dt_stamp) e.dt_stamp = v.dt_stamp;
  e.categories = if_differs(v.categories, m.categories);
  e.attendees = if_differs(v.attendees, m.attendees);
  if (v.response_type != m.response_type) e.response_type = v.response_type;
  return e;
}

}  // namespace

Result<EasCalendarItem> calendar_item_from_ical(std::string_view ics,
                                                const ConversionContext& ctx) {
  if (ics.size() > kMaxIcalBytes) return Status::too_large("ical: object too large");
  std::lock_guard lock(libical_mutex());
  Status error;
  ComponentPtr vcal = parse_calendar(ics, error);
  if (!vcal) return error;
  icaltimezone* fallback = builtin_zone(ctx.default_timezone);
  if (!fallback) fallback = icaltimezone_get_utc_timezone();

  std::optional<EventView> master;
  std::vector<EventView> overrides;
  for (icalcomponent* ev = icalcomponent_get_first_component(vcal.get(), ICAL_VEVENT_COMPONENT);
       ev; ev = icalcomponent_get_next_component(vcal.get(), ICAL_VEVENT_COMPONENT)) {
    auto view = read_event(vcal.get(), ev, fallback, ctx);
    if (!view) return view.status();
    if (view->recurrence_id) overrides.push_back(std::move(*view));
    else if (!master) master = std::move(*view);
  }
  if (!master) {
    if (overrides.empty()) return Status::malformed("ical: no VEVENT");
    // Only an orphan instance (the series lives elsewhere): sync it as a single event.
    master = std::move(overrides.front());
    overrides.clear();
    master->recurrence_id.reset();
  }
  EasCalendarItem item = std::move(master->item);
  if (!item.recurrence && !overrides.empty()) item.recurrence_lossy = true;
  if (item.recurrence) {
    for (const EventView& o : overrides) {
      const bool already = std::any_of(item.exceptions.begin(), item.exceptions.end(),
                                       [&](const EasException& e) {
                                         return e.exception_start_time == *o.recurrence_id;
                                       });
      if (!already) item.exceptions.push_back(exception_from(o, item));
    }
    std::sort(item.exceptions.begin(), item.exceptions.end(),
              [](const EasException& a, const EasException& b) {
                return a.exception_start_time < b.exception_start_time;
              });
  }
  return item;
}

}  // namespace easgate::ical
