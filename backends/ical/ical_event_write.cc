// EasCalendarItem -> VEVENT (+ overrides), merged into the server's original object.
#include <cstdio>
#include <map>
#include <set>

#include "backends/ical/eas_time.h"
#include "backends/ical/ical_calendar.h"
#include "backends/ical/ical_props.h"
#include "backends/ical/ical_recurrence.h"

namespace easgate::ical {
namespace {

using namespace detail;

// Where times are written: the zone (null = UTC) and the TZID naming it.
struct WriteZone {
  icaltimezone* zone = nullptr;  // null: UTC
  std::string tzid;              // TZID parameter value ("" for UTC)
};

icalproperty* time_prop(icalproperty* p, EasTime t, bool as_date, const WriteZone& wz) {
  icaltimetype tt = from_eas_time(t, wz.zone);
  // The wall time is written bare and the zone named by TZID; libical would add "Z".
  if (wz.zone) tt.zone = nullptr;
  if (as_date) {
    tt.is_date = 1;
    tt.hour = tt.minute = tt.second = 0;
    tt.zone = nullptr;
  }
  icalproperty_set_value(p, as_date ? icalvalue_new_date(tt) : icalvalue_new_datetime(tt));
  if (!as_date && wz.zone) {
    icalproperty_add_parameter(p, icalparameter_new_tzid(wz.tzid.c_str()));
  }
  return p;
}

icalproperty* make_time_prop(icalproperty_kind kind, EasTime t, bool as_date, const WriteZone& wz) {
  return time_prop(icalproperty_new(kind), t, as_date, wz);
}

void set_text(icalcomponent* c, icalproperty_kind kind, const std::optional<std::string>& v) {
  remove_props(c, kind);
  if (!v) return;
  icalproperty* p = icalproperty_new(kind);
  icalproperty_set_value(p, icalvalue_new_text(v->c_str()));
  icalcomponent_add_property(c, p);
}

void write_location(icalcomponent* ev, const std::optional<EasLocation>& loc) {
  set_text(ev, ICAL_LOCATION_PROPERTY,
           loc ? std::optional<std::string>(loc->display_name) : std::nullopt);
  remove_props(ev, ICAL_GEO_PROPERTY);
  if (loc && loc->latitude && loc->longitude) {
    icalgeotype g{};
    g.lat = *loc->latitude;
    g.lon = *loc->longitude;
    icalcomponent_add_property(ev, icalproperty_new_geo(g));
  }
  auto x = [&](const char* suffix, const std::optional<std::string>& v) {
    set_x_prop(ev, (std::string(kXLocationPrefix) + suffix).c_str(), loc ? v : std::nullopt);
  };
  const EasLocation none;
  const EasLocation& l = loc ? *loc : none;
  x("ANNOTATION", l.annotation);
  x("STREET", l.street);
  x("CITY", l.city);
  x("STATE", l.state);
  x("COUNTRY", l.country);
  x("POSTALCODE", l.postal_code);
  x("URI", l.location_uri);
}

void write_people(icalcomponent* ev, const EasCalendarItem& item, const ConversionContext& ctx) {
  // ORGANIZER: keep the original's parameters when the address is unchanged.
  icalproperty* org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
  if (org && (item.organizer_email.empty() ||
              !same_address(icalproperty_get_organizer(org) ? icalproperty_get_organizer(org) : "",
                            item.organizer_email))) {
    remove_props(ev, ICAL_ORGANIZER_PROPERTY);
    org = nullptr;
  }
  if (!item.organizer_email.empty()) {
    if (!org) {
      org = icalproperty_new_organizer(("mailto:" + item.organizer_email).c_str());
      icalcomponent_add_property(ev, org);
    }
    set_param(org, "CN", item.organizer_name);
  }
  // ATTENDEE: reuse each original property by address so SCHEDULE-STATUS, DELEGATED-FROM,
  // X- parameters ... survive.
  std::vector<icalproperty*> old;
  for (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
       p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY))
    old.push_back(p);
  for (icalproperty* p : old) icalcomponent_remove_property(ev, p);
  for (const EasAttendee& a : item.attendees) {
    icalproperty* p = nullptr;
    for (icalproperty*& o : old) {
      if (o && same_address(icalproperty_get_attendee(o) ? icalproperty_get_attendee(o) : "", a.email)) {
        p = o;
        o = nullptr;
        break;
      }
    }
    if (!p) p = icalproperty_new_attendee("");
    apply_attendee(p, a);
    if (!ctx.user_email.empty() && same_address(a.email, ctx.user_email)) {
      if (item.response_type)
        if (const char* ps = partstat_for_response_type(*item.response_type))
          set_param(p, "PARTSTAT", ps);
      if (item.response_requested) set_param(p, "RSVP", *item.response_requested ? "TRUE" : "FALSE");
    }
    icalcomponent_add_property(ev, p);
  }
  for (icalproperty* o : old)
    if (o) icalproperty_free(o);
}

void write_busy(icalcomponent* ev, std::optional<int> busy) {
  static constexpr const char* kNames[] = {"FREE", "TENTATIVE", "BUSY", "OOF", "WORKINGELSEWHERE"};
  remove_props(ev, ICAL_TRANSP_PROPERTY);
  set_x_prop(ev, kXBusyStatus, std::nullopt);
  if (!busy || *busy < 0 || *busy > 4) return;
  icalcomponent_add_property(
      ev, icalproperty_new_transp(*busy == 0 ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE));
  set_x_prop(ev, kXBusyStatus, std::string(kNames[*busy]));
}

// The fields every VEVENT (master or override) carries, written over `ev`.
void write_event(icalcomponent* ev, const EasCalendarItem& item, const WriteZone& wz,
                 const ConversionContext& ctx) {
  remove_props(ev, ICAL_DTSTART_PROPERTY);
  remove_props(ev, ICAL_DTEND_PROPERTY);
  remove_props(ev, ICAL_DURATION_PROPERTY);
  icalcomponent_add_property(ev, make_time_prop(ICAL_DTSTART_PROPERTY, item.start_time,
                                                item.all_day_event, wz));
  icalcomponent_add_property(ev, make_time_prop(ICAL_DTEND_PROPERTY, item.end_time,
                                                item.all_day_event, wz));
  remove_props(ev, ICAL_DTSTAMP_PROPERTY);
  icalcomponent_add_property(ev, icalproperty_new_dtstamp(
                                     from_eas_time(item.dt_stamp.value_or(item.start_time), nullptr)));
  remove_props(ev, ICAL_UID_PROPERTY);
  if (!item.uid.empty()) icalcomponent_add_property(ev, icalproperty_new_uid(item.uid.c_str()));
  set_text(ev, ICAL_SUMMARY_PROPERTY, item.subject);
  write_location(ev, item.location);
  set_text(ev, ICAL_DESCRIPTION_PROPERTY, item.body);
  set_x_prop(ev, kXClientUid, item.client_uid);
  write_people(ev, item, ctx);
  write_busy(ev, item.busy_status);
  write_sensitivity(ev, item.sensitivity);
  write_categories(ev, item.categories);
  write_reminder(ev, item.reminder, item.subject, item.start_time);
  // Cancellation is the 4 bit of MeetingStatus (5, 7, 13, 15).
  icalproperty* status = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY);
  const bool cancelled = (item.meeting_status & 4) != 0;
  if (cancelled) {
    remove_props(ev, ICAL_STATUS_PROPERTY);
    icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CANCELLED));
  } else if (status && icalproperty_get_status(status) == ICAL_STATUS_CANCELLED) {
    remove_props(ev, ICAL_STATUS_PROPERTY);
  }
  set_x_prop(ev, kXReplyTime, item.appointment_reply_time
                                  ? std::optional<std::string>(format_compact(*item.appointment_reply_time))
                                  : std::nullopt);
  set_x_prop(ev, kXDisallowCounter,
             item.disallow_new_time_proposal
                 ? std::optional<std::string>(*item.disallow_new_time_proposal ? "TRUE" : "FALSE")
                 : std::nullopt);
  set_x_prop(ev, kXConfLink, item.online_meeting_conf_link);
  set_x_prop(ev, kXExternalLink, item.online_meeting_external_link);
}

// The series fields with an exception's changes applied: an override VEVENT is complete.
EasCalendarItem instance_of(const EasCalendarItem& m, const EasException& e) {
  EasCalendarItem v = m;
  v.recurrence.reset();
  v.exceptions.clear();
  if (e.subject) v.subject = *e.subject;
  if (e.location) v.location = e.location;
  if (e.body) v.body = e.body;
  const EasTime length = m.end_time - m.start_time;
  v.start_time = e.start_time.value_or(e.exception_start_time);
  v.end_time = e.end_time.value_or(v.start_time + length);
  if (e.all_day_event) v.all_day_event = *e.all_day_event;
  if (e.reminder) v.reminder = e.reminder;
  if (e.busy_status) v.busy_status = e.busy_status;
  if (e.sensitivity) v.sensitivity = e.sensitivity;
  if (e.meeting_status) v.meeting_status = *e.meeting_status;
  if (e.dt_stamp) v.dt_stamp = e.dt_stamp;
  if (e.categories) v.categories = *e.categories;
  if (e.attendees) v.attendees = *e.attendees;
  if (e.response_type) v.response_type = e.response_type;
  return v;
}

// The zone to write in: the original's DTSTART zone when it has the blob's rules (keeps
// "Europe/Amsterdam" from becoming "Europe/Berlin"), else the blob's zone.
WriteZone choose_zone(icalcomponent* vcal, icalcomponent* master, const EasCalendarItem& item,
                      ZoneRef& holder) {
  EasTimeZone tz;
  if (!item.timezone_blob.empty()) {
    auto parsed = parse_eas_timezone_blob(item.timezone_blob);
    if (parsed) tz = *parsed;
  }
  const int year = time_to_civil(item.start_time).year;
  if (master) {
    if (icalproperty* p = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY)) {
      icaltimezone* zone = nullptr;
      (void)prop_time(vcal, p, &zone);
      if (zone && zone != icaltimezone_get_utc_timezone() &&
          eas_timezone_from_zone(zone, year, "").same_rules(tz)) {
        icalparameter* tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
        return {zone, tzid ? icalparameter_get_tzid(tzid) : zone_name(zone)};
      }
    }
  }
  holder = zone_for_eas_timezone(tz, year);
  return {holder.zone, holder.tzid};
}

void ensure_vtimezone(icalcomponent* vcal, const WriteZone& wz) {
  if (!wz.zone) return;
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_VTIMEZONE_COMPONENT); c;
       c = icalcomponent_get_next_component(vcal, ICAL_VTIMEZONE_COMPONENT)) {
    icalproperty* p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
    if (p && icalproperty_get_tzid(p) && wz.tzid == icalproperty_get_tzid(p)) return;
  }
  icalcomponent* comp = icaltimezone_get_component(wz.zone);
  if (!comp) return;
  icalcomponent* copy = icalcomponent_new_clone(comp);
  remove_props(copy, ICAL_TZID_PROPERTY);
  icalcomponent_add_property(copy, icalproperty_new_tzid(wz.tzid.c_str()));
  icalcomponent_add_component(vcal, copy);
}

}  // namespace

std::string ical_from_calendar_item(const EasCalendarItem& item,
                                    const std::optional<std::string>& original_ics,
                                    const ConversionContext& ctx) {
  std::lock_guard lock(libical_mutex());
  init_libical();
  ComponentPtr vcal;
  if (original_ics && original_ics->size() <= kMaxIcalBytes) {
    Status ignored;
    vcal = parse_calendar(*original_ics, ignored);
  }
  if (!vcal) vcal = new_calendar();

  icalcomponent* master = nullptr;
  std::map<EasTime, icalcomponent*> overrides;
  ZoneRef holder;
  for (icalcomponent* ev = icalcomponent_get_first_component(vcal.get(), ICAL_VEVENT_COMPONENT);
       ev; ev = icalcomponent_get_next_component(vcal.get(), ICAL_VEVENT_COMPONENT)) {
    if (!icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY) && !master) master = ev;
  }
  const WriteZone wz = item.all_day_event ? WriteZone{} : choose_zone(vcal.get(), master, item, holder);
  // Date arithmetic for all-day items happens in the blob's zone (the device's midnight).
  ZoneRef date_holder;
  WriteZone date_zone = wz;
  if (item.all_day_event) {
    auto parsed = parse_eas_timezone_blob(item.timezone_blob);
    date_holder = zone_for_eas_timezone(parsed ? *parsed : EasTimeZone{},
                                        time_to_civil(item.start_time).year);
    date_zone = {date_holder.zone, date_holder.tzid};
  }
  icaltimezone* master_zone = nullptr;
  std::optional<std::string> kept_rrule;  // an RRULE EAS could not express: left alone
  if (master) {
    if (icalproperty* p = icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY))
      (void)prop_time(vcal.get(), p, &master_zone);
    if (icalproperty* p = icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY)) {
      char* text = icalproperty_get_value_as_string_r(p);
      const std::string rrule = text ? text : "";
      free(text);
      detail::RruleUntil until;
      if (!parse_rrule(rrule, CivilTime{}, until) && !item.recurrence) kept_rrule = rrule;
    }
  }
  for (icalcomponent* ev = icalcomponent_get_first_component(vcal.get(), ICAL_VEVENT_COMPONENT);
       ev; ev = icalcomponent_get_next_component(vcal.get(), ICAL_VEVENT_COMPONENT)) {
    if (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)) {
      const icaltimetype rid = prop_time(vcal.get(), p, nullptr);
      overrides[to_eas_time(rid, master_zone)] = ev;
    }
  }
  if (!master) {
    master = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_component(vcal.get(), master);
  }
  const WriteZone& wzone = item.all_day_event ? date_zone : wz;
  EasCalendarItem series = item;
  // All-day items: DTSTART/DTEND are DATEs, the local dates in the device's zone.
  write_event(master, series, wzone, ctx);
  ensure_vtimezone(vcal.get(), wz);

  if (!kept_rrule) {
    remove_props(master, ICAL_RRULE_PROPERTY);
    remove_props(master, ICAL_EXDATE_PROPERTY);
    if (item.recurrence) {
      CivilTime until_local;
      if (item.recurrence->until)
        until_local = time_to_civil(*item.recurrence->until +
                                    utc_offset_at(date_zone.zone, *item.recurrence->until));
      const std::string rrule = rrule_from_recurrence(*item.recurrence, item.all_day_event, until_local);
      icalcomponent_add_property(master, icalproperty_new_rrule(icalrecurrencetype_from_string(rrule.c_str())));
    }
  }
  std::set<EasTime> kept;
  if (item.recurrence) {
    for (const EasException& e : item.exceptions) {
      if (e.deleted) {
        icalcomponent_add_property(master, make_time_prop(ICAL_EXDATE_PROPERTY, e.exception_start_time,
                                                          item.all_day_event, wzone));
        continue;
      }
      icalcomponent* ov = nullptr;
      if (auto it = overrides.find(e.exception_start_time); it != overrides.end()) ov = it->second;
      if (!ov) {
        ov = icalcomponent_new(ICAL_VEVENT_COMPONENT);
        icalcomponent_add_component(vcal.get(), ov);
      }
      kept.insert(e.exception_start_time);
      EasCalendarItem instance = instance_of(item, e);
      write_event(ov, instance, wzone, ctx);
      remove_props(ov, ICAL_RRULE_PROPERTY);
      remove_props(ov, ICAL_EXDATE_PROPERTY);
      remove_props(ov, ICAL_RECURRENCEID_PROPERTY);
      icalcomponent_add_property(ov, make_time_prop(ICAL_RECURRENCEID_PROPERTY, e.exception_start_time,
                                                    item.all_day_event, wzone));
    }
  }
  if (!kept_rrule) {
    // Overrides the device no longer lists are gone from the series.
    for (auto& [when, ov] : overrides) {
      if (kept.count(when)) continue;
      icalcomponent_remove_component(vcal.get(), ov);
      icalcomponent_free(ov);
    }
  }
  return to_text(vcal.get());
}

}  // namespace easgate::ical
