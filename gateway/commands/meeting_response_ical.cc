// answer_meeting: the iCalendar side of MeetingResponse. The user's PARTSTAT goes into the
// stored object (every VEVENT of the series, or one occurrence), and the iMIP REPLY
// (RFC 5546 section 3.2.3) carries only the components that were answered.

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "backends/ical/ical_props.h"
#include "backends/ical/ical_support.h"
#include "gateway/commands/meeting_response.h"

namespace easgate {
namespace {

using ical::detail::ComponentPtr;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

icalparameter_partstat partstat_of(MeetingAnswer a) {
  switch (a) {
    case MeetingAnswer::kAccepted: return ICAL_PARTSTAT_ACCEPTED;
    case MeetingAnswer::kTentative: return ICAL_PARTSTAT_TENTATIVE;
    case MeetingAnswer::kDeclined: return ICAL_PARTSTAT_DECLINED;
  }
  return ICAL_PARTSTAT_ACCEPTED;
}

icalproperty* find_attendee(icalcomponent* ev, const std::string& user) {
  for (icalproperty* p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
       p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
    const char* v = icalproperty_get_attendee(p);
    if (v && lower(ical::detail::strip_mailto(v)) == user) return p;
  }
  return nullptr;
}

void remove_all(icalcomponent* c, icalproperty_kind kind) { ical::detail::remove_props(c, kind); }

// `t` (UTC seconds) as the value of a time property shaped like `like` (DTSTART of the
// master): same TZID, DATE for all-day, UTC when `like` is UTC or floating. RFC 5545
// section 3.8.4.4: RECURRENCE-ID has DTSTART's value type and zone.
icalproperty* time_like(icalproperty_kind kind, int64_t t, icalcomponent* vcal, icalproperty* like) {
  icaltimezone* zone = nullptr;
  const icaltimetype ref = ical::detail::prop_time(vcal, like, &zone);
  icalproperty* p = icalproperty_new(kind);
  if (ref.is_date) {
    icaltimetype d = icaltime_from_timet_with_zone(static_cast<time_t>(t), 1,
                                                   zone ? zone : icaltimezone_get_utc_timezone());
    d.zone = nullptr;
    icalproperty_set_value(p, icalvalue_new_date(d));
    return p;
  }
  icalparameter* tzid = icalproperty_get_first_parameter(like, ICAL_TZID_PARAMETER);
  if (zone && tzid) {
    icaltimetype local = icaltime_from_timet_with_zone(static_cast<time_t>(t), 0, zone);
    local.zone = nullptr;  // written bare, named by TZID (libical would add "Z")
    icalproperty_set_value(p, icalvalue_new_datetime(local));
    icalproperty_add_parameter(p, icalparameter_new_clone(tzid));
    return p;
  }
  icalproperty_set_value(p, icalvalue_new_datetime(icaltime_from_timet_with_zone(
                                static_cast<time_t>(t), 0, icaltimezone_get_utc_timezone())));
  return p;
}

struct OccurrenceProbe {
  int64_t wanted = 0;  // UTC start looked for
  bool found = false;  // set by the callback
};

void on_occurrence(icalcomponent*, struct icaltime_span* span, void* data) {
  auto* probe = static_cast<OccurrenceProbe*>(data);
  if (static_cast<int64_t>(span->start) == probe->wanted) probe->found = true;
}

// The VEVENT of the occurrence starting (originally) at `instance`: an existing override,
// or a new one cloned from the master (RFC 5545 section 3.8.4.4). kUnsupported when the
// meeting does not recur (MS-ASCMD Status 146); kNotFound when the series has no such
// occurrence.
Result<icalcomponent*> occurrence(icalcomponent* vcal, int64_t instance) {
  icalcomponent* master = nullptr;
  icaltimezone* master_zone = nullptr;
  for (icalcomponent* ev = icalcomponent_get_first_component(vcal, ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(vcal, ICAL_VEVENT_COMPONENT)) {
    if (!icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY) && !master) master = ev;
  }
  icalproperty* dtstart = master ? icalcomponent_get_first_property(master, ICAL_DTSTART_PROPERTY)
                                 : nullptr;
  if (dtstart) (void)ical::detail::prop_time(vcal, dtstart, &master_zone);
  for (icalcomponent* ev = icalcomponent_get_first_component(vcal, ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(vcal, ICAL_VEVENT_COMPONENT)) {
    icalproperty* rid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
    if (!rid) continue;
    const icaltimetype t = ical::detail::prop_time(vcal, rid, nullptr);
    if (ical::detail::to_eas_time(t, master_zone) == instance) return ev;
  }
  if (!master || !dtstart) return Status::not_found("no such occurrence");
  if (!icalcomponent_get_first_property(master, ICAL_RRULE_PROPERTY) &&
      !icalcomponent_get_first_property(master, ICAL_RDATE_PROPERTY)) {
    return Status::unsupported("not a recurring meeting");
  }
  OccurrenceProbe probe;
  probe.wanted = instance;
  const icaltimetype utc = icaltime_from_timet_with_zone(static_cast<time_t>(instance), 0,
                                                         icaltimezone_get_utc_timezone());
  icaltimetype from = utc;
  icaltimetype to = utc;
  icaltime_adjust(&from, 0, 0, 0, -1);
  icaltime_adjust(&to, 0, 0, 0, 1);
  // Expands RRULE/RDATE minus EXDATE (a deleted occurrence cannot be answered).
  icalcomponent_foreach_recurrence(master, from, to, &on_occurrence, &probe);
  if (!probe.found) return Status::not_found("the series has no occurrence at that time");

  icalcomponent* ov = icalcomponent_new_clone(master);
  for (icalproperty_kind k : {ICAL_RRULE_PROPERTY, ICAL_RDATE_PROPERTY, ICAL_EXDATE_PROPERTY,
                              ICAL_EXRULE_PROPERTY, ICAL_RECURRENCEID_PROPERTY,
                              ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY}) {
    remove_all(ov, k);
  }
  icalcomponent_add_property(ov, time_like(ICAL_RECURRENCEID_PROPERTY, instance, vcal, dtstart));
  icalcomponent_add_property(ov, time_like(ICAL_DTSTART_PROPERTY, instance, vcal, dtstart));
  if (icalproperty* dtend = icalcomponent_get_first_property(master, ICAL_DTEND_PROPERTY)) {
    const int64_t length = ical::detail::to_eas_time(ical::detail::prop_time(vcal, dtend, nullptr), master_zone) -
                           ical::detail::to_eas_time(ical::detail::prop_time(vcal, dtstart, nullptr), master_zone);
    icalcomponent_add_property(ov, time_like(ICAL_DTEND_PROPERTY, instance + length, vcal, dtend));
  }  // DURATION, when the master has one, came along with the clone
  icalcomponent_add_component(vcal, ov);
  return ov;
}

}  // namespace

Result<MeetingReply> answer_meeting(std::string_view ics, std::string_view user,
                                    MeetingAnswer answer, std::string_view now_utc,
                                    std::optional<int64_t> instance) {
  std::lock_guard lock(ical::detail::libical_mutex());
  ical::detail::init_libical();
  std::string text(ics);
  ComponentPtr root(icalparser_parse_string(text.c_str()));
  if (!root || icalcomponent_isa(root.get()) != ICAL_VCALENDAR_COMPONENT)
    return Status::malformed("not an iCalendar object");
  std::string me = lower(user);
  // The components to answer: one occurrence, or the series and all its overrides.
  std::vector<icalcomponent*> targets;
  if (instance) {
    Result<icalcomponent*> one = occurrence(root.get(), *instance);
    if (!one.is_ok()) return one.status();
    targets.push_back(*one);
  } else {
    for (icalcomponent* ev = icalcomponent_get_first_component(root.get(), ICAL_VEVENT_COMPONENT);
         ev; ev = icalcomponent_get_next_component(root.get(), ICAL_VEVENT_COMPONENT)) {
      targets.push_back(ev);
    }
  }
  MeetingReply out;
  ComponentPtr reply(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  icalcomponent_add_property(reply.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(reply.get(), icalproperty_new_prodid("-//easgate//EAS gateway//EN"));
  icalcomponent_add_property(reply.get(), icalproperty_new_method(ICAL_METHOD_REPLY));
  bool found = false;
  for (icalcomponent* ev : targets) {
    icalproperty* att = find_attendee(ev, me);
    if (!att) continue;
    found = true;
    icalproperty_remove_parameter_by_kind(att, ICAL_PARTSTAT_PARAMETER);
    icalproperty_add_parameter(att, icalparameter_new_partstat(partstat_of(answer)));
    // RFC 5546 3.2.3: the attendee answered; RSVP no longer applies.
    icalproperty_remove_parameter_by_kind(att, ICAL_RSVP_PARAMETER);
    icalcomponent* r = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    // RFC 5546 3.2.3 REPLY: ATTENDEE, DTSTAMP, ORGANIZER, UID required; SEQUENCE and
    // RECURRENCE-ID when the request had them (an answered occurrence names itself by
    // RECURRENCE-ID); DTSTART/DTEND/SUMMARY for the reader.
    for (icalproperty_kind k : {ICAL_UID_PROPERTY, ICAL_ORGANIZER_PROPERTY, ICAL_SEQUENCE_PROPERTY,
                                ICAL_RECURRENCEID_PROPERTY, ICAL_DTSTART_PROPERTY,
                                ICAL_DTEND_PROPERTY, ICAL_SUMMARY_PROPERTY}) {
      if (icalproperty* p = icalcomponent_get_first_property(ev, k))
        icalcomponent_add_property(r, icalproperty_new_clone(p));
    }
    icalcomponent_add_property(r, icalproperty_new_clone(att));
    icaltimetype stamp = icaltime_from_string(std::string(now_utc).c_str());
    icalcomponent_add_property(r, icalproperty_new_dtstamp(stamp));
    if (out.organizer.empty()) {
      if (icalproperty* o = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY))
        if (const char* v = icalproperty_get_organizer(o)) out.organizer = ical::detail::strip_mailto(v);
    }
    if (out.summary.empty())
      if (const char* s = icalcomponent_get_summary(ev)) out.summary = s;
    icalcomponent_add_component(reply.get(), r);
  }
  if (!found) return Status::not_found("the user is not an attendee");
  // RFC 4791 4.1: a stored calendar object carries no METHOD (an invitation's does).
  while (icalproperty* m = icalcomponent_get_first_property(root.get(), ICAL_METHOD_PROPERTY)) {
    icalcomponent_remove_property(root.get(), m);
    icalproperty_free(m);
  }
  // The zones the reply's times use travel with it (RFC 5545 3.6.5).
  for (icalcomponent* tz = icalcomponent_get_first_component(root.get(), ICAL_VTIMEZONE_COMPONENT); tz;
       tz = icalcomponent_get_next_component(root.get(), ICAL_VTIMEZONE_COMPONENT))
    icalcomponent_add_component(reply.get(), icalcomponent_new_clone(tz));
  char* updated = icalcomponent_as_ical_string_r(root.get());
  char* replied = icalcomponent_as_ical_string_r(reply.get());
  out.updated_ics = updated ? updated : "";
  out.reply_ics = replied ? replied : "";
  free(updated);
  free(replied);
  return out;
}

bool meeting_has_uid(std::string_view ics, std::string_view uid) {
  std::lock_guard lock(ical::detail::libical_mutex());
  ical::detail::init_libical();
  std::string text(ics);
  ComponentPtr root(icalparser_parse_string(text.c_str()));
  if (!root) return false;
  if (icalcomponent_isa(root.get()) == ICAL_VEVENT_COMPONENT) {
    const char* u = icalcomponent_get_uid(root.get());
    return u && uid == u;
  }
  for (icalcomponent* ev = icalcomponent_get_first_component(root.get(), ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(root.get(), ICAL_VEVENT_COMPONENT)) {
    const char* u = icalcomponent_get_uid(ev);
    if (u && uid == u) return true;
  }
  return false;
}

}  // namespace easgate
