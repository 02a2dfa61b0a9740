#include "backends/ical/ical_props.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <strings.h>

namespace easgate::ical::detail {

ComponentPtr parse_calendar(std::string_view ics, Status& error) {
  init_libical();
  const std::string text(ics);
  if (text.find('\0') != std::string::npos) {
    error = Status::malformed("ical: NUL byte");
    return nullptr;
  }
  ComponentPtr root(icalcomponent_new_from_string(text.c_str()));
  if (!root) {
    error = Status::malformed("ical: does not parse");
    return nullptr;
  }
  const icalcomponent_kind kind = icalcomponent_isa(root.get());
  if (kind == ICAL_VCALENDAR_COMPONENT) return root;
  if (kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VTODO_COMPONENT) {
    ComponentPtr cal = new_calendar();
    icalcomponent_add_component(cal.get(), root.release());
    return cal;
  }
  if (kind == ICAL_XROOT_COMPONENT) {
    if (icalcomponent* cal = icalcomponent_get_first_component(root.get(), ICAL_VCALENDAR_COMPONENT)) {
      icalcomponent_remove_component(root.get(), cal);
      return ComponentPtr(cal);
    }
  }
  error = Status::malformed("ical: no VCALENDAR");
  return nullptr;
}

ComponentPtr new_calendar() {
  ComponentPtr cal(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  icalcomponent_add_property(cal.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(cal.get(), icalproperty_new_prodid("-//easgate//EAS gateway//EN"));
  return cal;
}

std::string to_text(icalcomponent* comp) {
  char* s = icalcomponent_as_ical_string_r(comp);
  std::string out = s ? s : "";
  free(s);
  return out;
}

icaltimezone* resolve_tzid(icalcomponent* vcal, const char* tzid) {
  if (!tzid || !*tzid) return nullptr;
  if (vcal)
    if (icaltimezone* z = icalcomponent_get_timezone(vcal, tzid)) return z;
  return builtin_zone(tzid);
}

icaltimetype prop_time(icalcomponent* vcal, icalproperty* prop, icaltimezone** zone_out) {
  icalvalue* v = icalproperty_get_value(prop);
  icaltimetype t = v ? icalvalue_get_datetime(v) : icaltime_null_time();
  icaltimezone* zone = nullptr;
  if (icaltime_is_utc(t)) {
    zone = icaltimezone_get_utc_timezone();
  } else if (!t.is_date) {
    if (icalparameter* p = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER))
      zone = resolve_tzid(vcal, icalparameter_get_tzid(p));
    t.zone = zone;
  }
  if (zone_out) *zone_out = zone;
  return t;
}

std::optional<std::string> x_prop(icalcomponent* comp, const char* name) {
  for (icalproperty* p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p;
       p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY)) {
    const char* n = icalproperty_get_x_name(p);
    if (n && strcasecmp(n, name) == 0) {
      const char* v = icalproperty_get_x(p);
      return std::string(v ? v : "");
    }
  }
  return std::nullopt;
}

void set_x_prop(icalcomponent* comp, const char* name, const std::optional<std::string>& value) {
  std::vector<icalproperty*> doomed;
  for (icalproperty* p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p;
       p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY)) {
    const char* n = icalproperty_get_x_name(p);
    if (n && strcasecmp(n, name) == 0) doomed.push_back(p);
  }
  for (icalproperty* p : doomed) {
    icalcomponent_remove_property(comp, p);
    icalproperty_free(p);
  }
  if (!value) return;
  icalproperty* p = icalproperty_new_x(value->c_str());
  icalproperty_set_x_name(p, name);
  icalcomponent_add_property(comp, p);
}

void remove_props(icalcomponent* comp, icalproperty_kind kind) {
  while (icalproperty* p = icalcomponent_get_first_property(comp, kind)) {
    icalcomponent_remove_property(comp, p);
    icalproperty_free(p);
  }
}

std::optional<std::string> text_prop(icalcomponent* comp, icalproperty_kind kind) {
  icalproperty* p = icalcomponent_get_first_property(comp, kind);
  if (!p) return std::nullopt;
  icalvalue* v = icalproperty_get_value(p);
  if (!v) return std::nullopt;
  const char* s = icalvalue_get_text(v);
  return std::string(s ? s : "");
}

std::string param_text(icalproperty* prop, const char* name) {
  char* s = icalproperty_get_parameter_as_string_r(prop, name);
  std::string out = s ? s : "";
  free(s);
  return out;
}

void set_param(icalproperty* prop, const char* name, const std::string& value) {
  icalproperty_remove_parameter_by_name(prop, name);
  if (!value.empty()) icalproperty_set_parameter_from_string(prop, name, value.c_str());
}

std::string strip_mailto(std::string_view a) {
  if (a.size() >= 7 && strncasecmp(a.data(), "mailto:", 7) == 0) a.remove_prefix(7);
  return std::string(a);
}

bool same_address(std::string_view a, std::string_view b) {
  const std::string x = strip_mailto(a), y = strip_mailto(b);
  return !x.empty() && x.size() == y.size() && strncasecmp(x.data(), y.data(), x.size()) == 0;
}

std::vector<std::string> categories(icalcomponent* comp) {
  std::vector<std::string> out;
  for (icalproperty* p = icalcomponent_get_first_property(comp, ICAL_CATEGORIES_PROPERTY); p;
       p = icalcomponent_get_next_property(comp, ICAL_CATEGORIES_PROPERTY)) {
    const char* s = icalproperty_get_categories(p);
    std::string_view rest = s ? s : "";
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view one = rest.substr(0, comma);
      if (!one.empty()) out.emplace_back(one);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

void write_categories(icalcomponent* comp, const std::vector<std::string>& cats) {
  if (categories(comp) == cats) return;  // untouched: keeps the original grouping
  remove_props(comp, ICAL_CATEGORIES_PROPERTY);
  for (const std::string& c : cats)
    icalcomponent_add_property(comp, icalproperty_new_categories(c.c_str()));
}

std::optional<int> sensitivity(icalcomponent* comp) {
  icalproperty* p = icalcomponent_get_first_property(comp, ICAL_CLASS_PROPERTY);
  if (!p) return std::nullopt;
  switch (icalproperty_get_class(p)) {
    case ICAL_CLASS_PUBLIC: return 0;
    case ICAL_CLASS_PRIVATE: {
      const auto marker = x_prop(comp, kXSensitivity);
      return marker && *marker == "PERSONAL" ? 1 : 2;
    }
    case ICAL_CLASS_CONFIDENTIAL: return 3;
    default: return 2;  // x-name classes: treat as private, the safe reading
  }
}

void write_sensitivity(icalcomponent* comp, std::optional<int> value) {
  remove_props(comp, ICAL_CLASS_PROPERTY);
  set_x_prop(comp, kXSensitivity, std::nullopt);
  if (!value) return;
  // RFC 5545 has no "personal": it is private, with a marker so EAS gets 1 back.
  icalproperty_class cls = ICAL_CLASS_PUBLIC;
  if (*value == 1 || *value == 2) cls = ICAL_CLASS_PRIVATE;
  if (*value == 3) cls = ICAL_CLASS_CONFIDENTIAL;
  icalcomponent_add_property(comp, icalproperty_new_class(cls));
  if (*value == 1) set_x_prop(comp, kXSensitivity, std::string("PERSONAL"));
}

std::optional<int> reminder_minutes(icalcomponent* comp, EasTime start) {
  icalcomponent* alarm = icalcomponent_get_first_component(comp, ICAL_VALARM_COMPONENT);
  if (!alarm) return std::nullopt;
  icalproperty* p = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
  if (!p) return std::nullopt;
  const icaltriggertype trig = icalproperty_get_trigger(p);
  int64_t before = 0;
  if (!icaltime_is_null_time(trig.time)) {
    before = start - to_eas_time(trig.time, nullptr);
  } else {
    before = -static_cast<int64_t>(icaldurationtype_as_int(trig.duration));
  }
  return static_cast<int>(std::clamp<int64_t>(before / 60, 0, 60 * 24 * 365));
}

void write_reminder(icalcomponent* comp, std::optional<int> minutes, const std::string& summary,
                    EasTime start) {
  icalcomponent* first = icalcomponent_get_first_component(comp, ICAL_VALARM_COMPONENT);
  if (first && minutes && reminder_minutes(comp, start) == minutes) return;  // unchanged
  while (icalcomponent* a = icalcomponent_get_first_component(comp, ICAL_VALARM_COMPONENT)) {
    icalcomponent_remove_component(comp, a);
    icalcomponent_free(a);
  }
  if (!minutes) return;
  icalcomponent* alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
  icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
  icalcomponent_add_property(alarm, icalproperty_new_description(summary.empty() ? "Reminder" : summary.c_str()));
  icaltriggertype trig;
  trig.time = icaltime_null_time();
  trig.duration = icaldurationtype_from_int(-*minutes * 60);
  icalcomponent_add_property(alarm, icalproperty_new_trigger(trig));
  icalcomponent_add_component(comp, alarm);
}

EasAttendee attendee_from(icalproperty* prop) {
  EasAttendee a;
  const char* v = icalproperty_get_attendee(prop);
  a.email = strip_mailto(v ? v : "");
  a.name = param_text(prop, "CN");
  const std::string partstat = param_text(prop, "PARTSTAT");
  // MS-ASCAL 2.2.2.4 AttendeeStatus.
  if (partstat == "TENTATIVE") a.status = 2;
  else if (partstat == "ACCEPTED") a.status = 3;
  else if (partstat == "DECLINED") a.status = 4;
  else if (partstat == "NEEDS-ACTION") a.status = 5;
  else a.status = 0;
  // MS-ASCAL 2.2.2.5 AttendeeType: resources by CUTYPE, optional by ROLE.
  const std::string cutype = param_text(prop, "CUTYPE");
  const std::string role = param_text(prop, "ROLE");
  if (cutype == "RESOURCE" || cutype == "ROOM") a.type = 3;
  else if (role == "OPT-PARTICIPANT" || role == "NON-PARTICIPANT") a.type = 2;
  else a.type = 1;
  return a;
}

void apply_attendee(icalproperty* prop, const EasAttendee& a) {
  icalproperty_set_attendee(prop, ("mailto:" + a.email).c_str());
  set_param(prop, "CN", a.name);
  if (a.status) {
    static constexpr const char* kPartstat[] = {nullptr, nullptr, "TENTATIVE", "ACCEPTED",
                                                "DECLINED", "NEEDS-ACTION"};
    // 0 (unknown) keeps whatever the server has (DELEGATED, ...).
    if (*a.status >= 2 && *a.status <= 5) set_param(prop, "PARTSTAT", kPartstat[*a.status]);
  }
  if (a.type) {
    const std::string cutype = param_text(prop, "CUTYPE");
    const bool resource = cutype == "RESOURCE" || cutype == "ROOM";
    if (*a.type == 3) {
      if (!resource) set_param(prop, "CUTYPE", "RESOURCE");
    } else {
      if (resource) set_param(prop, "CUTYPE", "");
      const std::string role = param_text(prop, "ROLE");
      const bool optional = role == "OPT-PARTICIPANT" || role == "NON-PARTICIPANT";
      if (*a.type == 2 && !optional) set_param(prop, "ROLE", "OPT-PARTICIPANT");
      if (*a.type == 1 && optional) set_param(prop, "ROLE", "REQ-PARTICIPANT");
    }
  }
}

std::optional<int> response_type_from_partstat(const std::string& partstat) {
  // MS-ASCAL 2.2.2.39 ResponseType.
  if (partstat == "TENTATIVE") return 2;
  if (partstat == "ACCEPTED") return 3;
  if (partstat == "DECLINED") return 4;
  if (partstat == "NEEDS-ACTION" || partstat.empty()) return 5;
  return 0;
}

const char* partstat_for_response_type(int r) {
  switch (r) {
    case 2: return "TENTATIVE";
    case 3: return "ACCEPTED";
    case 4: return "DECLINED";
    case 5: return "NEEDS-ACTION";
    default: return nullptr;
  }
}

}  // namespace easgate::ical::detail
