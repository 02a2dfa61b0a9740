#include "backends/ical/ical_recurrence.h"

#include <cstdio>
#include <vector>

#include "backends/ical/ical_support.h"

namespace easgate::ical {
namespace {

constexpr const char* kDayNames[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
constexpr short kArrayEnd = ICAL_RECURRENCE_ARRAY_MAX;

// Values of a BY* array up to its terminator.
template <size_t N>
std::vector<short> values(const short (&arr)[N]) {
  std::vector<short> out;
  for (size_t i = 0; i < N && arr[i] != kArrayEnd; ++i) out.push_back(arr[i]);
  return out;
}

// EAS DayOfWeek bit for libical's weekday (ICAL_SUNDAY_WEEKDAY = 1 .. SATURDAY = 7).
int day_bit(int ical_weekday) { return 1 << (ical_weekday - 1); }

// BYDAY list -> mask and the common ordinal (0 = none); false when ordinals differ.
bool by_day_mask(const std::vector<short>& days, int& mask, int& ordinal) {
  mask = 0;
  ordinal = 0;
  for (size_t i = 0; i < days.size(); ++i) {
    const int wd = icalrecurrencetype_day_day_of_week(days[i]);
    const int pos = icalrecurrencetype_day_position(days[i]);
    if (wd < 1 || wd > 7) return false;
    if (i > 0 && pos != ordinal) return false;
    ordinal = pos;
    mask |= day_bit(wd);
  }
  return true;
}

// EAS WeekOfMonth from an RRULE ordinal: 1..4 as is, -1 = last = 5 (MS-ASCAL 2.2.2.48).
bool week_from_ordinal(int ordinal, int& week) {
  if (ordinal >= 1 && ordinal <= 4) week = ordinal;
  else if (ordinal == -1 || ordinal == 5) week = 5;
  else return false;
  return true;
}

std::string day_list(int mask) {
  std::string out;
  for (int d = 0; d < 7; ++d) {
    if (!(mask & (1 << d))) continue;
    if (!out.empty()) out += ',';
    out += kDayNames[d];
  }
  return out;
}

// BYDAY for an nth-weekday rule: "2TH", or "MO,TU,WE,TH,FR;BYSETPOS=-1" for several days.
std::string nth_day(int mask, int week) {
  const int ordinal = week >= 5 ? -1 : week;
  int days = 0;
  for (int d = 0; d < 7; ++d) days += (mask >> d) & 1;
  if (days == 1) {
    for (int d = 0; d < 7; ++d)
      if (mask & (1 << d)) return "BYDAY=" + std::to_string(ordinal) + kDayNames[d];
  }
  return "BYDAY=" + day_list(mask) + ";BYSETPOS=" + std::to_string(ordinal);
}

}  // namespace

namespace detail {

Result<EasRecurrence> parse_rrule(std::string_view text, const CivilTime& start,
                                  RruleUntil& until) {
  std::lock_guard lock(libical_mutex());
  init_libical();
  icalerror_clear_errno();
  const std::string copy(text);
  icalrecurrencetype rule = icalrecurrencetype_from_string(copy.c_str());
  if (rule.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
    icalerror_clear_errno();
    if (rule.rscale) free(rule.rscale);
    return Status::malformed("rrule: does not parse");
  }
  if (rule.rscale) {  // RFC 7529 non-Gregorian: EAS CalendarType exists, mapping does not
    free(rule.rscale);
    return Status::unsupported("rrule: RSCALE");
  }
  const auto by_day = values(rule.by_day);
  const auto by_month_day = values(rule.by_month_day);
  const auto by_month = values(rule.by_month);
  const auto by_set_pos = values(rule.by_set_pos);
  if (!values(rule.by_second).empty() || !values(rule.by_minute).empty() ||
      !values(rule.by_hour).empty() || !values(rule.by_year_day).empty() ||
      !values(rule.by_week_no).empty() || by_set_pos.size() > 1 || by_month_day.size() > 1 ||
      by_month.size() > 1)
    return Status::unsupported("rrule: BY* parts EAS cannot express");

  EasRecurrence r;
  r.interval = rule.interval > 0 ? rule.interval : 1;
  if (rule.count > 0) r.occurrences = rule.count;
  if (!icaltime_is_null_time(rule.until)) {
    until.present = true;
    until.is_date = rule.until.is_date;
    if (rule.until.is_date) until.local = {rule.until.year, rule.until.month, rule.until.day};
    else until.utc = to_eas_time(rule.until, nullptr);
  }
  if (text.find("WKST=") != std::string_view::npos)
    r.first_day_of_week = static_cast<int>(rule.week_start) - 1;

  int mask = 0, ordinal = 0;
  if (!by_day_mask(by_day, mask, ordinal)) return Status::unsupported("rrule: mixed BYDAY");
  if (!by_set_pos.empty()) {
    if (ordinal != 0) return Status::unsupported("rrule: BYSETPOS with ordinal BYDAY");
    ordinal = by_set_pos[0];
  }
  const int start_dow_bit = 1 << day_of_week(start.year, start.month, start.day);
  auto nth = [&](EasRecurrence::Type type) -> Status {
    int week = 0;
    if (!week_from_ordinal(ordinal, week)) return Status::unsupported("rrule: BYDAY ordinal");
    r.type = type;
    r.day_of_week = mask;
    r.week_of_month = week;
    return Status::ok();
  };

  switch (rule.freq) {
    case ICAL_DAILY_RECURRENCE:
      if (ordinal != 0 || !by_month_day.empty() || !by_month.empty())
        return Status::unsupported("rrule: daily with BY* parts");
      r.type = EasRecurrence::Type::kDaily;
      if (mask) r.day_of_week = mask;
      break;
    case ICAL_WEEKLY_RECURRENCE:
      if (ordinal != 0 || !by_month_day.empty() || !by_month.empty())
        return Status::unsupported("rrule: weekly with BY* parts");
      r.type = EasRecurrence::Type::kWeekly;
      r.day_of_week = mask ? mask : start_dow_bit;
      break;
    case ICAL_MONTHLY_RECURRENCE:
      if (!by_month.empty()) return Status::unsupported("rrule: monthly with BYMONTH");
      if (mask) {
        if (!by_month_day.empty()) return Status::unsupported("rrule: BYDAY and BYMONTHDAY");
        if (Status s = nth(EasRecurrence::Type::kMonthlyNth); !s) return s;
      } else if (!by_month_day.empty() && by_month_day[0] == -1) {
        // MS-ASCAL 2.2.2.18: DayOfWeek 127 with WeekOfMonth 5 = the last day of the month.
        r.type = EasRecurrence::Type::kMonthlyNth;
        r.day_of_week = 127;
        r.week_of_month = 5;
      } else {
        const int dom = by_month_day.empty() ? start.day : by_month_day[0];
        if (dom < 1 || dom > 31) return Status::unsupported("rrule: BYMONTHDAY from the end");
        r.type = EasRecurrence::Type::kMonthly;
        r.day_of_month = dom;
      }
      break;
    case ICAL_YEARLY_RECURRENCE: {
      const int month = by_month.empty() ? start.month : icalrecurrencetype_month_month(by_month[0]);
      if (!by_month.empty() && icalrecurrencetype_month_is_leap(by_month[0]))
        return Status::unsupported("rrule: leap month");
      if (month < 1 || month > 12) return Status::unsupported("rrule: BYMONTH");
      r.month_of_year = month;
      if (mask) {
        if (!by_month_day.empty()) return Status::unsupported("rrule: BYDAY and BYMONTHDAY");
        if (Status s = nth(EasRecurrence::Type::kYearlyNth); !s) return s;
      } else {
        const int dom = by_month_day.empty() ? start.day : by_month_day[0];
        if (dom < 1 || dom > 31) return Status::unsupported("rrule: BYMONTHDAY from the end");
        r.type = EasRecurrence::Type::kYearly;
        r.day_of_month = dom;
      }
      break;
    }
    default:
      return Status::unsupported("rrule: frequency EAS cannot express");
  }
  return r;
}

}  // namespace detail

std::string rrule_from_recurrence(const EasRecurrence& r, bool until_as_date,
                                  const CivilTime& until_local) {
  std::string out;
  const int mask = r.day_of_week.value_or(0) & 127;
  const int week = r.week_of_month.value_or(1);
  switch (r.type) {
    case EasRecurrence::Type::kDaily:
      out = "FREQ=DAILY";
      if (mask) out += ";BYDAY=" + day_list(mask);
      break;
    case EasRecurrence::Type::kWeekly:
      out = "FREQ=WEEKLY";
      if (mask) out += ";BYDAY=" + day_list(mask);
      break;
    case EasRecurrence::Type::kMonthly:
      out = "FREQ=MONTHLY;BYMONTHDAY=" + std::to_string(r.day_of_month.value_or(1));
      break;
    case EasRecurrence::Type::kMonthlyNth:
      out = "FREQ=MONTHLY;";
      if (mask == 127) out += week >= 5 ? "BYMONTHDAY=-1" : "BYMONTHDAY=" + std::to_string(week);
      else out += nth_day(mask ? mask : 1, week);
      break;
    case EasRecurrence::Type::kYearly:
      out = "FREQ=YEARLY;BYMONTH=" + std::to_string(r.month_of_year.value_or(1)) +
            ";BYMONTHDAY=" + std::to_string(r.day_of_month.value_or(1));
      break;
    case EasRecurrence::Type::kYearlyNth:
      out = "FREQ=YEARLY;BYMONTH=" + std::to_string(r.month_of_year.value_or(1)) + ";" +
            nth_day(mask ? mask : 1, week);
      break;
  }
  if (r.interval > 1) out += ";INTERVAL=" + std::to_string(r.interval);
  if (r.occurrences) {
    out += ";COUNT=" + std::to_string(*r.occurrences);
  } else if (r.until) {
    char buf[32];
    if (until_as_date) {
      std::snprintf(buf, sizeof buf, "%04d%02d%02d", until_local.year, until_local.month,
                    until_local.day);
    } else {
      const CivilTime c = time_to_civil(*r.until);
      std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour,
                    c.minute, c.second);
    }
    out += ";UNTIL=";
    out += buf;
  }
  if (r.first_day_of_week && *r.first_day_of_week >= 0 && *r.first_day_of_week <= 6)
    out += ";WKST=" + std::string(kDayNames[*r.first_day_of_week]);
  return out;
}

}  // namespace easgate::ical
