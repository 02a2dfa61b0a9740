// VTODO <-> EasTaskItem (MS-ASTASK).
#include "backends/ical/eas_time.h"
#include "backends/ical/ical_calendar.h"
#include "backends/ical/ical_props.h"
#include "backends/ical/ical_recurrence.h"

namespace easgate::ical {
namespace {

using namespace detail;

icalcomponent* first_todo(icalcomponent* vcal) {
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_VTODO_COMPONENT); c;
       c = icalcomponent_get_next_component(vcal, ICAL_VTODO_COMPONENT))
    if (!icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY)) return c;
  return nullptr;
}

// A DTSTART/DUE as (UTC instant, local wall time); dates are local midnight.
struct TaskTime {
  EasTime utc = 0;     // the instant
  EasTime local = 0;   // wall-clock time stored as if UTC
};

std::optional<TaskTime> task_time(icalcomponent* vcal, icalcomponent* todo, icalproperty_kind kind,
                                  icaltimezone* fallback) {
  icalproperty* p = icalcomponent_get_first_property(todo, kind);
  if (!p) return std::nullopt;
  icaltimezone* zone = nullptr;
  const icaltimetype t = prop_time(vcal, p, &zone);
  if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t)) return std::nullopt;
  TaskTime out;
  out.utc = to_eas_time(t, zone ? zone : fallback);
  // MS-ASTASK 2.2.2.10 DueDate: the user's local time; the user's zone is the fallback.
  out.local = out.utc + utc_offset_at(fallback == icaltimezone_get_utc_timezone() ? nullptr : fallback, out.utc);
  return out;
}

bool is_midnight(EasTime local) { return ((local % 86400) + 86400) % 86400 == 0; }

void write_task_time(icalcomponent* todo, icalproperty_kind kind, std::optional<EasTime> utc,
                     std::optional<EasTime> local, bool as_date) {
  remove_props(todo, kind);
  if (!utc && !local) return;
  icalproperty* p = icalproperty_new(kind);
  if (as_date && local) {
    const CivilTime c = time_to_civil(*local);
    icaltimetype d = icaltime_null_date();
    d.year = c.year;
    d.month = c.month;
    d.day = c.day;
    icalproperty_set_value(p, icalvalue_new_date(d));
  } else {
    icalproperty_set_value(p, icalvalue_new_datetime(from_eas_time(utc.value_or(local.value_or(0)), nullptr)));
  }
  icalcomponent_add_property(todo, p);
}

int importance_from_priority(int priority) {
  // RFC 5545 3.8.1.9: 1-4 high, 5 medium, 6-9 low, 0 undefined.
  if (priority >= 1 && priority <= 4) return 2;
  if (priority >= 6 && priority <= 9) return 0;
  return 1;
}

std::optional<EasTime> alarm_time(icalcomponent* todo, std::optional<EasTime> start,
                                  std::optional<EasTime> due) {
  icalcomponent* alarm = icalcomponent_get_first_component(todo, ICAL_VALARM_COMPONENT);
  if (!alarm) return std::nullopt;
  icalproperty* p = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
  if (!p) return std::nullopt;
  const icaltriggertype trig = icalproperty_get_trigger(p);
  if (!icaltime_is_null_time(trig.time)) return to_eas_time(trig.time, nullptr);
  const bool related_end = param_text(p, "RELATED") == "END";
  const std::optional<EasTime> base = related_end ? (due ? due : start) : (start ? start : due);
  if (!base) return std::nullopt;
  return *base + icaldurationtype_as_int(trig.duration);
}

}  // namespace

Result<EasTaskItem> task_item_from_ical(std::string_view ics, const ConversionContext& ctx) {
  if (ics.size() > kMaxIcalBytes) return Status::too_large("ical: object too large");
  std::lock_guard lock(libical_mutex());
  Status error;
  ComponentPtr vcal = parse_calendar(ics, error);
  if (!vcal) return error;
  icalcomponent* todo = first_todo(vcal.get());
  if (!todo) return Status::malformed("ical: no VTODO");
  icaltimezone* fallback = builtin_zone(ctx.default_timezone);
  if (!fallback) fallback = icaltimezone_get_utc_timezone();

  EasTaskItem t;
  t.subject = text_prop(todo, ICAL_SUMMARY_PROPERTY).value_or("");
  t.body = text_prop(todo, ICAL_DESCRIPTION_PROPERTY);
  t.categories = categories(todo);
  t.sensitivity = sensitivity(todo);
  if (icalproperty* p = icalcomponent_get_first_property(todo, ICAL_UID_PROPERTY))
    t.uid = icalproperty_get_uid(p) ? icalproperty_get_uid(p) : "";
  const auto start = task_time(vcal.get(), todo, ICAL_DTSTART_PROPERTY, fallback);
  const auto due = task_time(vcal.get(), todo, ICAL_DUE_PROPERTY, fallback);
  if (start) t.start_date = start->local, t.utc_start_date = start->utc;
  if (due) t.due_date = due->local, t.utc_due_date = due->utc;
  if (icalproperty* p = icalcomponent_get_first_property(todo, ICAL_PRIORITY_PROPERTY))
    t.importance = importance_from_priority(icalproperty_get_priority(p));
  icalproperty* status = icalcomponent_get_first_property(todo, ICAL_STATUS_PROPERTY);
  icalproperty* completed = icalcomponent_get_first_property(todo, ICAL_COMPLETED_PROPERTY);
  icalproperty* percent = icalcomponent_get_first_property(todo, ICAL_PERCENTCOMPLETE_PROPERTY);
  t.complete = (status && icalproperty_get_status(status) == ICAL_STATUS_COMPLETED) || completed ||
               (percent && icalproperty_get_percentcomplete(percent) >= 100);
  if (t.complete) {
    // MS-ASTASK 2.2.2.8: DateCompleted is required when Complete is 1.
    if (completed) t.date_completed = to_eas_time(icalproperty_get_completed(completed), nullptr);
    else if (icalproperty* p = icalcomponent_get_first_property(todo, ICAL_LASTMODIFIED_PROPERTY))
      t.date_completed = to_eas_time(icalproperty_get_lastmodified(p), nullptr);
    else if (icalproperty* s = icalcomponent_get_first_property(todo, ICAL_DTSTAMP_PROPERTY))
      t.date_completed = to_eas_time(icalproperty_get_dtstamp(s), nullptr);
  }
  const auto reminder = alarm_time(todo, start ? std::optional<EasTime>(start->utc) : std::nullopt,
                                   due ? std::optional<EasTime>(due->utc) : std::nullopt);
  t.reminder_set = reminder.has_value();
  t.reminder_time = reminder;
  if (icalproperty* p = icalcomponent_get_first_property(todo, ICAL_RRULE_PROPERTY)) {
    char* text = icalproperty_get_value_as_string_r(p);
    const std::string rrule = text ? text : "";
    free(text);
    const EasTime anchor = start ? start->local : due ? due->local : 0;
    icaltimezone* zone = fallback == icaltimezone_get_utc_timezone() ? nullptr : fallback;
    auto r = recurrence_from_rrule(rrule, time_to_civil(anchor), [&](const CivilTime& d) {
      return civil_to_time(d) - utc_offset_at(zone, civil_to_time(d));
    });
    if (r) {
      // MS-ASTASK 2.2.2.26: Start is required in a task's Recurrence.
      r->start = anchor;
      t.recurrence = std::move(*r);
    }
  }
  return t;
}

std::string ical_from_task_item(const EasTaskItem& t, const std::optional<std::string>& original_ics,
                                const ConversionContext& ctx) {
  std::lock_guard lock(libical_mutex());
  init_libical();
  ComponentPtr vcal;
  if (original_ics && original_ics->size() <= kMaxIcalBytes) {
    Status ignored;
    vcal = parse_calendar(*original_ics, ignored);
  }
  if (!vcal) vcal = new_calendar();
  icalcomponent* todo = first_todo(vcal.get());
  if (!todo) {
    todo = icalcomponent_new(ICAL_VTODO_COMPONENT);
    icalcomponent_add_component(vcal.get(), todo);
  }
  icaltimezone* fallback = builtin_zone(ctx.default_timezone);
  if (fallback == icaltimezone_get_utc_timezone()) fallback = nullptr;

  remove_props(todo, ICAL_UID_PROPERTY);
  if (!t.uid.empty()) icalcomponent_add_property(todo, icalproperty_new_uid(t.uid.c_str()));
  if (!icalcomponent_get_first_property(todo, ICAL_DTSTAMP_PROPERTY))
    icalcomponent_add_property(todo, icalproperty_new_dtstamp(icaltime_current_time_with_zone(icaltimezone_get_utc_timezone())));
  remove_props(todo, ICAL_SUMMARY_PROPERTY);
  icalcomponent_add_property(todo, icalproperty_new_summary(t.subject.c_str()));
  remove_props(todo, ICAL_DESCRIPTION_PROPERTY);
  if (t.body) icalcomponent_add_property(todo, icalproperty_new_description(t.body->c_str()));
  write_categories(todo, t.categories);
  write_sensitivity(todo, t.sensitivity);

  // RFC 5545 3.8.2.3: DUE and DTSTART have the same value type; dates when both are midnight.
  const bool as_date = (!t.start_date || is_midnight(*t.start_date)) &&
                       (!t.due_date || is_midnight(*t.due_date)) && (t.start_date || t.due_date);
  auto utc_of = [&](std::optional<EasTime> utc, std::optional<EasTime> local) -> std::optional<EasTime> {
    if (utc) return utc;
    if (local) return *local - utc_offset_at(fallback, *local);
    return std::nullopt;
  };
  write_task_time(todo, ICAL_DTSTART_PROPERTY, utc_of(t.utc_start_date, t.start_date), t.start_date, as_date);
  write_task_time(todo, ICAL_DUE_PROPERTY, utc_of(t.utc_due_date, t.due_date), t.due_date, as_date);

  icalproperty* prio = icalcomponent_get_first_property(todo, ICAL_PRIORITY_PROPERTY);
  const int old_priority = prio ? icalproperty_get_priority(prio) : 0;
  if (importance_from_priority(old_priority) != t.importance) {
    remove_props(todo, ICAL_PRIORITY_PROPERTY);
    if (t.importance != 1)
      icalcomponent_add_property(todo, icalproperty_new_priority(t.importance == 2 ? 1 : 9));
  }

  icalproperty* status = icalcomponent_get_first_property(todo, ICAL_STATUS_PROPERTY);
  const bool was_complete = status && icalproperty_get_status(status) == ICAL_STATUS_COMPLETED;
  remove_props(todo, ICAL_COMPLETED_PROPERTY);
  if (t.complete) {
    remove_props(todo, ICAL_STATUS_PROPERTY);
    icalcomponent_add_property(todo, icalproperty_new_status(ICAL_STATUS_COMPLETED));
    remove_props(todo, ICAL_PERCENTCOMPLETE_PROPERTY);
    icalcomponent_add_property(todo, icalproperty_new_percentcomplete(100));
    if (t.date_completed)
      icalcomponent_add_property(todo, icalproperty_new_completed(from_eas_time(*t.date_completed, nullptr)));
  } else {
    if (was_complete) {
      remove_props(todo, ICAL_STATUS_PROPERTY);
      icalcomponent_add_property(todo, icalproperty_new_status(ICAL_STATUS_NEEDSACTION));
    }
    icalproperty* pc = icalcomponent_get_first_property(todo, ICAL_PERCENTCOMPLETE_PROPERTY);
    if (pc && icalproperty_get_percentcomplete(pc) >= 100) remove_props(todo, ICAL_PERCENTCOMPLETE_PROPERTY);
  }

  // Reminder: an absolute trigger, unless the server's first alarm already fires then.
  const auto start_utc = utc_of(t.utc_start_date, t.start_date);
  const auto due_utc = utc_of(t.utc_due_date, t.due_date);
  const auto current = alarm_time(todo, start_utc, due_utc);
  const bool want = t.reminder_set && t.reminder_time.has_value();
  const EasTime wanted = t.reminder_time.value_or(0);
  if (current.has_value() != want || (want && *current != wanted)) {
    while (icalcomponent* a = icalcomponent_get_first_component(todo, ICAL_VALARM_COMPONENT)) {
      icalcomponent_remove_component(todo, a);
      icalcomponent_free(a);
    }
    if (want) {
      icalcomponent* alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
      icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
      icalcomponent_add_property(alarm, icalproperty_new_description(t.subject.empty() ? "Reminder" : t.subject.c_str()));
      icaltriggertype trig;
      trig.time = from_eas_time(wanted, nullptr);
      trig.duration = icaldurationtype_null_duration();
      icalcomponent_add_property(alarm, icalproperty_new_trigger(trig));
      icalcomponent_add_component(todo, alarm);
    }
  }

  bool keep_rrule = false;
  if (icalproperty* p = icalcomponent_get_first_property(todo, ICAL_RRULE_PROPERTY); p && !t.recurrence) {
    char* text = icalproperty_get_value_as_string_r(p);
    detail::RruleUntil until;
    keep_rrule = !parse_rrule(text ? text : "", CivilTime{}, until).is_ok();
    free(text);
  }
  if (!keep_rrule) remove_props(todo, ICAL_RRULE_PROPERTY);
  if (t.recurrence) {
    CivilTime until_local;
    if (t.recurrence->until) until_local = time_to_civil(*t.recurrence->until + utc_offset_at(fallback, *t.recurrence->until));
    const std::string rrule = rrule_from_recurrence(*t.recurrence, as_date, until_local);
    icalcomponent_add_property(todo, icalproperty_new_rrule(icalrecurrencetype_from_string(rrule.c_str())));
  }
  return to_text(vcal.get());
}

}  // namespace easgate::ical
