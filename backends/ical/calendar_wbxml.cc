#include "backends/ical/calendar_wbxml.h"

#include <charconv>
#include <cstdio>

#include "backends/ical/eas_time.h"
#include "backends/ical/eas_timezone.h"

namespace easgate::ical {
namespace cal = tag::calendar;
namespace base = tag::air_sync_base;
namespace {

std::string num(int64_t v) { return std::to_string(v); }

std::string real(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void add_body(WbxmlElement& parent, const std::string& text, ProtocolVersion v, Tag legacy) {
  if (v < ProtocolVersion::v12_0()) {
    parent.add_text(legacy, text);
    return;
  }
  WbxmlElement& body = parent.add_child(base::kBody);
  body.add_text(base::kType, "1");  // plain text (MS-ASAIRS 2.2.2.22.1)
  body.add_text(base::kEstimatedDataSize, num(static_cast<int64_t>(text.size())));
  body.add_text(base::kData, text);
}

void add_location(WbxmlElement& parent, const EasLocation& loc, ProtocolVersion v) {
  if (v < ProtocolVersion::v16_0()) {
    parent.add_text(cal::kLocation, loc.display_name);
    return;
  }
  WbxmlElement& l = parent.add_child(base::kLocation);
  l.add_text(base::kDisplayName, loc.display_name);
  auto opt = [&](Tag t, const std::optional<std::string>& s) { if (s) l.add_text(t, *s); };
  opt(base::kAnnotation, loc.annotation);
  opt(base::kStreet, loc.street);
  opt(base::kCity, loc.city);
  opt(base::kState, loc.state);
  opt(base::kCountry, loc.country);
  opt(base::kPostalCode, loc.postal_code);
  if (loc.latitude) l.add_text(base::kLatitude, real(*loc.latitude));
  if (loc.longitude) l.add_text(base::kLongitude, real(*loc.longitude));
  opt(base::kLocationUri, loc.location_uri);
}

void add_attendees(WbxmlElement& parent, const std::vector<EasAttendee>& list, ProtocolVersion v) {
  WbxmlElement& all = parent.add_child(cal::kAttendees);
  for (const EasAttendee& a : list) {
    WbxmlElement& e = all.add_child(cal::kAttendee);
    e.add_text(cal::kEmail, a.email);
    e.add_text(cal::kName, a.name.empty() ? a.email : a.name);  // Name is required
    if (v >= ProtocolVersion::v12_0()) {
      if (a.status) e.add_text(cal::kAttendeeStatus, num(*a.status));
      if (a.type) e.add_text(cal::kAttendeeType, num(*a.type));
    }
  }
}

void add_categories(WbxmlElement& parent, const std::vector<std::string>& cats, Tag list, Tag one) {
  WbxmlElement& c = parent.add_child(list);
  for (const std::string& s : cats) c.add_text(one, s);
}

// Shared by Calendar and Tasks: the pages differ, the elements do not.
struct RecurrenceTags {
  Tag recurrence, type, start, until, occurrences, interval, day_of_week, day_of_month,
      week_of_month, month_of_year, calendar_type, is_leap_month, first_day_of_week;
};
constexpr RecurrenceTags kCalRec{cal::kRecurrence, cal::kType, {}, cal::kUntil, cal::kOccurrences,
                                 cal::kInterval, cal::kDayOfWeek, cal::kDayOfMonth,
                                 cal::kWeekOfMonth, cal::kMonthOfYear, cal::kCalendarType,
                                 cal::kIsLeapMonth, cal::kFirstDayOfWeek};
constexpr RecurrenceTags kTaskRec{tag::tasks::kRecurrence, tag::tasks::kType, tag::tasks::kStart,
                                  tag::tasks::kUntil, tag::tasks::kOccurrences,
                                  tag::tasks::kInterval, tag::tasks::kDayOfWeek,
                                  tag::tasks::kDayOfMonth, tag::tasks::kWeekOfMonth,
                                  tag::tasks::kMonthOfYear, tag::tasks::kCalendarType,
                                  tag::tasks::kIsLeapMonth, tag::tasks::kFirstDayOfWeek};

void add_recurrence(WbxmlElement& parent, const EasRecurrence& r, ProtocolVersion v,
                    const RecurrenceTags& t, bool task) {
  WbxmlElement& e = parent.add_child(t.recurrence);
  e.add_text(t.type, num(static_cast<int>(r.type)));
  auto date = [&](EasTime x) { return task ? format_extended(x) : format_compact(x); };
  if (task && r.start) e.add_text(t.start, date(*r.start));
  if (r.until) e.add_text(t.until, date(*r.until));
  if (r.occurrences) e.add_text(t.occurrences, num(*r.occurrences));
  e.add_text(t.interval, num(r.interval));
  if (r.day_of_week) e.add_text(t.day_of_week, num(*r.day_of_week));
  if (r.day_of_month) e.add_text(t.day_of_month, num(*r.day_of_month));
  if (r.week_of_month) e.add_text(t.week_of_month, num(*r.week_of_month));
  if (r.month_of_year) e.add_text(t.month_of_year, num(*r.month_of_year));
  if (task) {
    if (r.regenerate) e.add_text(tag::tasks::kRegenerate, *r.regenerate ? "1" : "0");
    if (r.dead_occur) e.add_text(tag::tasks::kDeadOccur, *r.dead_occur ? "1" : "0");
  }
  if (v >= ProtocolVersion::v14_0()) {
    if (r.calendar_type) e.add_text(t.calendar_type, num(*r.calendar_type));
    if (r.is_leap_month) e.add_text(t.is_leap_month, *r.is_leap_month ? "1" : "0");
  }
  if (v >= ProtocolVersion::v14_1() && r.first_day_of_week)
    e.add_text(t.first_day_of_week, num(*r.first_day_of_week));
}

// ---- reading ----

struct Reader {
  Status error;  // first problem found

  std::optional<int> integer(const WbxmlElement& parent, Tag t, int lo, int hi) {
    const WbxmlElement* e = parent.child(t);
    if (!e) return std::nullopt;
    const std::string_view s = e->content();
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) {
      fail("bad number in element " + std::to_string(t.token));
      return std::nullopt;
    }
    return v;
  }
  std::optional<bool> boolean(const WbxmlElement& parent, Tag t) {
    auto v = integer(parent, t, 0, 1);
    if (!v) return std::nullopt;
    return *v == 1;
  }
  std::optional<EasTime> time(const WbxmlElement& parent, Tag t) {
    const WbxmlElement* e = parent.child(t);
    if (!e) return std::nullopt;
    auto v = parse_eas_datetime(e->content());
    if (!v) fail("bad date in element " + std::to_string(t.token));
    return v;
  }
  std::optional<std::string> text(const WbxmlElement& parent, Tag t) {
    const WbxmlElement* e = parent.child(t);
    if (!e) return std::nullopt;
    return std::string(e->content());
  }
  std::optional<double> number(const WbxmlElement& parent, Tag t) {
    auto s = text(parent, t);
    if (!s) return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || p != s->data() + s->size()) {
      fail("bad coordinate");
      return std::nullopt;
    }
    return v;
  }
  void fail(std::string m) {
    if (error.is_ok()) error = Status::malformed("calendar: " + std::move(m));
  }

  std::optional<std::string> body(const WbxmlElement& parent, Tag legacy) {
    if (const WbxmlElement* b = parent.child(base::kBody)) return text(*b, base::kData).value_or("");
    return text(parent, legacy);
  }
  std::optional<EasLocation> location(const WbxmlElement& parent) {
    if (const WbxmlElement* l = parent.child(base::kLocation)) {
      EasLocation loc;
      loc.display_name = text(*l, base::kDisplayName).value_or("");
      loc.annotation = text(*l, base::kAnnotation);
      loc.street = text(*l, base::kStreet);
      loc.city = text(*l, base::kCity);
      loc.state = text(*l, base::kState);
      loc.country = text(*l, base::kCountry);
      loc.postal_code = text(*l, base::kPostalCode);
      loc.latitude = number(*l, base::kLatitude);
      loc.longitude = number(*l, base::kLongitude);
      loc.location_uri = text(*l, base::kLocationUri);
      return loc;
    }
    if (auto s = text(parent, cal::kLocation)) {
      EasLocation loc;
      loc.display_name = *s;
      return loc;
    }
    return std::nullopt;
  }
  std::vector<EasAttendee> attendees(const WbxmlElement& list) {
    std::vector<EasAttendee> out;
    for (const WbxmlElement* a : list.children_named(cal::kAttendee)) {
      EasAttendee x;
      x.email = text(*a, cal::kEmail).value_or("");
      x.name = text(*a, cal::kName).value_or("");
      if (x.name == x.email) x.name.clear();
      x.status = integer(*a, cal::kAttendeeStatus, 0, 5);
      x.type = integer(*a, cal::kAttendeeType, 1, 3);
      out.push_back(std::move(x));
    }
    return out;
  }
  std::vector<std::string> categories(const WbxmlElement& list, Tag one) {
    std::vector<std::string> out;
    for (const WbxmlElement* c : list.children_named(one)) out.emplace_back(c->content());
    return out;
  }
  std::optional<EasRecurrence> recurrence(const WbxmlElement& parent, const RecurrenceTags& t, bool task) {
    const WbxmlElement* e = parent.child(t.recurrence);
    if (!e) return std::nullopt;
    EasRecurrence r;
    const auto type = integer(*e, t.type, 0, 6);
    if (!type || *type == 4) {
      fail("bad recurrence type");
      return std::nullopt;
    }
    r.type = static_cast<EasRecurrence::Type>(*type);
    r.interval = integer(*e, t.interval, 1, 999).value_or(1);
    r.until = time(*e, t.until);
    r.occurrences = integer(*e, t.occurrences, 1, 999);
    r.day_of_week = integer(*e, t.day_of_week, 1, 127);
    r.day_of_month = integer(*e, t.day_of_month, 1, 31);
    r.week_of_month = integer(*e, t.week_of_month, 1, 5);
    r.month_of_year = integer(*e, t.month_of_year, 1, 12);
    r.calendar_type = integer(*e, t.calendar_type, 0, 23);
    r.is_leap_month = boolean(*e, t.is_leap_month);
    r.first_day_of_week = integer(*e, t.first_day_of_week, 0, 6);
    if (task) {
      r.start = time(*e, t.start);
      r.regenerate = boolean(*e, tag::tasks::kRegenerate);
      r.dead_occur = boolean(*e, tag::tasks::kDeadOccur);
    }
    return r;
  }
};

}  // namespace

void to_wbxml(const EasCalendarItem& item, ProtocolVersion v, WbxmlElement& ad) {
  std::string blob = item.timezone_blob;
  if (blob.empty()) blob = encode_eas_timezone(EasTimeZone{});
  ad.add_text(cal::kTimezone, blob);
  ad.add_text(cal::kAllDayEvent, item.all_day_event ? "1" : "0");
  if (item.body) add_body(ad, *item.body, v, cal::kBody);
  if (item.busy_status) ad.add_text(cal::kBusyStatus, num(*item.busy_status));
  if (!item.organizer_email.empty()) {
    ad.add_text(cal::kOrganizerName, item.organizer_name.empty() ? item.organizer_email : item.organizer_name);
    ad.add_text(cal::kOrganizerEmail, item.organizer_email);
  }
  if (item.dt_stamp) ad.add_text(cal::kDtStamp, format_compact(*item.dt_stamp));
  ad.add_text(cal::kEndTime, format_compact(item.end_time));
  if (item.location) add_location(ad, *item.location, v);
  if (item.reminder) ad.add_text(cal::kReminder, num(*item.reminder));
  if (item.sensitivity) ad.add_text(cal::kSensitivity, num(*item.sensitivity));
  ad.add_text(cal::kSubject, item.subject);
  ad.add_text(cal::kStartTime, format_compact(item.start_time));
  if (!item.uid.empty()) ad.add_text(cal::kUID, item.uid);
  ad.add_text(cal::kMeetingStatus, num(item.meeting_status));
  if (!item.attendees.empty()) add_attendees(ad, item.attendees, v);
  if (!item.categories.empty()) add_categories(ad, item.categories, cal::kCategories, cal::kCategory);
  if (item.recurrence) add_recurrence(ad, *item.recurrence, v, kCalRec, false);
  if (item.recurrence && !item.exceptions.empty()) {
    WbxmlElement& list = ad.add_child(cal::kExceptions);
    for (const EasException& e : item.exceptions) {
      WbxmlElement& x = list.add_child(cal::kException);
      if (e.deleted) x.add_text(cal::kDeleted, "1");
      // MS-ASCAL 2.2.2.23 / MS-ASAIRS 2.2.2.25: InstanceId replaces ExceptionStartTime in 16.x.
      if (v >= ProtocolVersion::v16_0()) x.add_text(base::kInstanceId, format_compact(e.exception_start_time));
      else x.add_text(cal::kExceptionStartTime, format_compact(e.exception_start_time));
      if (e.deleted) continue;
      if (e.subject) x.add_text(cal::kSubject, *e.subject);
      if (e.start_time) x.add_text(cal::kStartTime, format_compact(*e.start_time));
      if (e.end_time) x.add_text(cal::kEndTime, format_compact(*e.end_time));
      if (e.body) add_body(x, *e.body, v, cal::kBody);
      if (e.location) add_location(x, *e.location, v);
      if (e.categories) add_categories(x, *e.categories, cal::kCategories, cal::kCategory);
      if (e.sensitivity) x.add_text(cal::kSensitivity, num(*e.sensitivity));
      if (e.busy_status) x.add_text(cal::kBusyStatus, num(*e.busy_status));
      if (e.all_day_event) x.add_text(cal::kAllDayEvent, *e.all_day_event ? "1" : "0");
      if (e.reminder) x.add_text(cal::kReminder, num(*e.reminder));
      if (e.dt_stamp) x.add_text(cal::kDtStamp, format_compact(*e.dt_stamp));
      if (e.meeting_status) x.add_text(cal::kMeetingStatus, num(*e.meeting_status));
      if (v >= ProtocolVersion::v14_0()) {
        if (e.attendees) add_attendees(x, *e.attendees, v);
        if (e.response_type) x.add_text(cal::kResponseType, num(*e.response_type));
      }
    }
  }
  if (v >= ProtocolVersion::v14_0()) {
    if (item.response_requested) ad.add_text(cal::kResponseRequested, *item.response_requested ? "1" : "0");
    if (item.appointment_reply_time) ad.add_text(cal::kAppointmentReplyTime, format_compact(*item.appointment_reply_time));
    if (item.response_type) ad.add_text(cal::kResponseType, num(*item.response_type));
    if (item.disallow_new_time_proposal)
      ad.add_text(cal::kDisallowNewTimeProposal, *item.disallow_new_time_proposal ? "1" : "0");
  }
  if (v >= ProtocolVersion::v14_1()) {
    if (item.online_meeting_conf_link) ad.add_text(cal::kOnlineMeetingConfLink, *item.online_meeting_conf_link);
    if (item.online_meeting_external_link)
      ad.add_text(cal::kOnlineMeetingExternalLink, *item.online_meeting_external_link);
  }
  if (v >= ProtocolVersion::v16_0() && item.client_uid) ad.add_text(cal::kClientUid, *item.client_uid);
}

Result<EasCalendarItem> calendar_from_wbxml(const WbxmlElement& ad, ProtocolVersion) {
  Reader r;
  EasCalendarItem item;
  if (auto blob = r.text(ad, cal::kTimezone)) {
    auto tz = parse_eas_timezone_blob(*blob);
    if (!tz) return tz.status();
    item.timezone_blob = *blob;
  }
  item.all_day_event = r.boolean(ad, cal::kAllDayEvent).value_or(false);
  item.body = r.body(ad, cal::kBody);
  item.busy_status = r.integer(ad, cal::kBusyStatus, 0, 4);
  item.organizer_name = r.text(ad, cal::kOrganizerName).value_or("");
  item.organizer_email = r.text(ad, cal::kOrganizerEmail).value_or("");
  if (item.organizer_name == item.organizer_email) item.organizer_name.clear();
  item.dt_stamp = r.time(ad, cal::kDtStamp);
  auto start = r.time(ad, cal::kStartTime);
  auto end = r.time(ad, cal::kEndTime);
  item.start_time = start.value_or(0);
  item.end_time = end.value_or(item.start_time);
  item.location = r.location(ad);
  item.reminder = r.integer(ad, cal::kReminder, 0, 60 * 24 * 365);
  item.sensitivity = r.integer(ad, cal::kSensitivity, 0, 3);
  item.subject = r.text(ad, cal::kSubject).value_or("");
  item.uid = r.text(ad, cal::kUID).value_or("");
  item.meeting_status = r.integer(ad, cal::kMeetingStatus, 0, 15).value_or(0);
  if (const WbxmlElement* a = ad.child(cal::kAttendees)) item.attendees = r.attendees(*a);
  if (const WbxmlElement* c = ad.child(cal::kCategories)) item.categories = r.categories(*c, cal::kCategory);
  item.recurrence = r.recurrence(ad, kCalRec, false);
  if (const WbxmlElement* list = ad.child(cal::kExceptions)) {
    for (const WbxmlElement* x : list->children_named(cal::kException)) {
      EasException e;
      auto when = r.time(*x, cal::kExceptionStartTime);
      if (!when) when = r.time(*x, base::kInstanceId);
      if (!when) {
        r.fail("exception without ExceptionStartTime");
        break;
      }
      e.exception_start_time = *when;
      e.deleted = r.boolean(*x, cal::kDeleted).value_or(false);
      e.subject = r.text(*x, cal::kSubject);
      e.start_time = r.time(*x, cal::kStartTime);
      e.end_time = r.time(*x, cal::kEndTime);
      if (x->child(base::kBody) || x->child(cal::kBody)) e.body = r.body(*x, cal::kBody);
      e.location = r.location(*x);
      if (const WbxmlElement* c = x->child(cal::kCategories)) e.categories = r.categories(*c, cal::kCategory);
      e.sensitivity = r.integer(*x, cal::kSensitivity, 0, 3);
      e.busy_status = r.integer(*x, cal::kBusyStatus, 0, 4);
      e.all_day_event = r.boolean(*x, cal::kAllDayEvent);
      e.reminder = r.integer(*x, cal::kReminder, 0, 60 * 24 * 365);
      e.dt_stamp = r.time(*x, cal::kDtStamp);
      e.meeting_status = r.integer(*x, cal::kMeetingStatus, 0, 15);
      if (const WbxmlElement* a = x->child(cal::kAttendees)) e.attendees = r.attendees(*a);
      e.response_type = r.integer(*x, cal::kResponseType, 0, 5);
      if (e.deleted) {  // a deleted occurrence carries nothing else
        EasException gone;
        gone.exception_start_time = e.exception_start_time;
        gone.deleted = true;
        e = gone;
      }
      item.exceptions.push_back(std::move(e));
    }
  }
  item.response_requested = r.boolean(ad, cal::kResponseRequested);
  item.appointment_reply_time = r.time(ad, cal::kAppointmentReplyTime);
  item.response_type = r.integer(ad, cal::kResponseType, 0, 5);
  item.disallow_new_time_proposal = r.boolean(ad, cal::kDisallowNewTimeProposal);
  item.online_meeting_conf_link = r.text(ad, cal::kOnlineMeetingConfLink);
  item.online_meeting_external_link = r.text(ad, cal::kOnlineMeetingExternalLink);
  item.client_uid = r.text(ad, cal::kClientUid);
  if (!r.error.is_ok()) return r.error;
  if (!start) return Status::malformed("calendar: StartTime missing");
  if (item.end_time < item.start_time) return Status::malformed("calendar: EndTime before StartTime");
  return item;
}

void to_wbxml(const EasTaskItem& t, ProtocolVersion v, WbxmlElement& ad) {
  namespace tk = tag::tasks;
  if (t.body) add_body(ad, *t.body, v, tk::kBody);
  ad.add_text(tk::kSubject, t.subject);
  ad.add_text(tk::kImportance, num(t.importance));
  if (t.utc_start_date) ad.add_text(tk::kUtcStartDate, format_extended(*t.utc_start_date));
  if (t.start_date) ad.add_text(tk::kStartDate, format_extended(*t.start_date));
  if (t.utc_due_date) ad.add_text(tk::kUtcDueDate, format_extended(*t.utc_due_date));
  if (t.due_date) ad.add_text(tk::kDueDate, format_extended(*t.due_date));
  if (!t.categories.empty()) add_categories(ad, t.categories, tk::kCategories, tk::kCategory);
  if (t.recurrence) add_recurrence(ad, *t.recurrence, v, kTaskRec, true);
  ad.add_text(tk::kComplete, t.complete ? "1" : "0");
  if (t.complete && t.date_completed) ad.add_text(tk::kDateCompleted, format_extended(*t.date_completed));
  if (t.sensitivity) ad.add_text(tk::kSensitivity, num(*t.sensitivity));
  ad.add_text(tk::kReminderSet, t.reminder_set ? "1" : "0");
  if (t.reminder_set && t.reminder_time) ad.add_text(tk::kReminderTime, format_extended(*t.reminder_time));
}

Result<EasTaskItem> task_from_wbxml(const WbxmlElement& ad, ProtocolVersion) {
  namespace tk = tag::tasks;
  Reader r;
  EasTaskItem t;
  t.body = r.body(ad, tk::kBody);
  t.subject = r.text(ad, tk::kSubject).value_or("");
  t.importance = r.integer(ad, tk::kImportance, 0, 2).value_or(1);
  t.utc_start_date = r.time(ad, tk::kUtcStartDate);
  t.start_date = r.time(ad, tk::kStartDate);
  t.utc_due_date = r.time(ad, tk::kUtcDueDate);
  t.due_date = r.time(ad, tk::kDueDate);
  if (const WbxmlElement* c = ad.child(tk::kCategories)) t.categories = r.categories(*c, tk::kCategory);
  t.recurrence = r.recurrence(ad, kTaskRec, true);
  t.complete = r.boolean(ad, tk::kComplete).value_or(false);
  t.date_completed = r.time(ad, tk::kDateCompleted);
  t.sensitivity = r.integer(ad, tk::kSensitivity, 0, 3);
  t.reminder_set = r.boolean(ad, tk::kReminderSet).value_or(false);
  t.reminder_time = r.time(ad, tk::kReminderTime);
  if (!r.error.is_ok()) return r.error;
  return t;
}

}  // namespace easgate::ical
