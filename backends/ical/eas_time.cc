#include "backends/ical/eas_time.h"

#include <cstdio>

namespace easgate::ical {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int& y, int& m, int& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yy + (m <= 2));
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

EasTime civil_to_time(const CivilTime& c) {
  return days_from_civil(c.year, static_cast<unsigned>(c.month), static_cast<unsigned>(c.day)) *
             86400 +
         c.hour * 3600 + c.minute * 60 + c.second;
}

CivilTime time_to_civil(EasTime t) {
  int64_t days = t / 86400;
  int64_t rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  CivilTime c;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  c.second = static_cast<int>(rem % 60);
  return c;
}

int day_of_week(int year, int month, int day) {
  const int64_t d = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return static_cast<int>(((d % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::string format_compact(EasTime t) {
  const CivilTime c = time_to_civil(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

std::string format_extended(EasTime t) {
  const CivilTime c = time_to_civil(t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.000Z", c.year, c.month, c.day,
                c.hour, c.minute, c.second);
  return buf;
}

std::optional<EasTime> parse_eas_datetime(std::string_view s) {
  CivilTime c;
  size_t pos = 0;
  if (s.size() >= 15 && s[8] == 'T') {  // compact: yyyyMMddTHHmmss[Z]
    if (!digits(s, 0, 4, c.year) || !digits(s, 4, 2, c.month) || !digits(s, 6, 2, c.day) ||
        !digits(s, 9, 2, c.hour) || !digits(s, 11, 2, c.minute) || !digits(s, 13, 2, c.second))
      return std::nullopt;
    pos = 15;
  } else if (s.size() >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
             s[16] == ':') {
    if (!digits(s, 0, 4, c.year) || !digits(s, 5, 2, c.month) || !digits(s, 8, 2, c.day) ||
        !digits(s, 11, 2, c.hour) || !digits(s, 14, 2, c.minute) || !digits(s, 17, 2, c.second))
      return std::nullopt;
    pos = 19;
    if (pos < s.size() && s[pos] == '.') {  // fraction: ignored, EAS sends .000
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    }
  } else {
    return std::nullopt;
  }
  if (pos < s.size() && s[pos] == 'Z') ++pos;
  if (pos != s.size()) return std::nullopt;
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > days_in_month(c.year, c.month) ||
      c.hour > 23 || c.minute > 59 || c.second > 60)
    return std::nullopt;
  if (c.second == 60) c.second = 59;  // a leap second names the same instant for EAS
  return civil_to_time(c);
}

}  // namespace easgate::ical
