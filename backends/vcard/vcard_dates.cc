// Dates between vCard (RFC 2426 section 3.1.5, RFC 6350 section 4.3.1) and EAS
// (MS-ASDTYPE 2.3 dateTime), for Birthday and Anniversary.

#include <cctype>
#include <cstdio>

#include "backends/vcard/eas_contact.h"

namespace easgate::vcard {

namespace {

// The year EAS clients store for "no year" (Apple's X-APPLE-OMIT-YEAR, Android).
constexpr int kNoYear = 1604;

struct Date {
  int year = 0;   // 4-digit year (kNoYear when the card has none)
  int month = 0;  // 1..12
  int day = 0;    // 1..31
};

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool plausible(const Date& d) {
  return d.year >= 1 && d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31;
}

// Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian arithmetic.
long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date civil_from_days(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  Date out;
  out.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  out.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  out.year = static_cast<int>(yoe + era * 400 + (out.month <= 2));
  return out;
}

}  // namespace

std::string eas_date_from_vcard(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  const size_t t = v.find('T');
  std::string_view date = v.substr(0, t);
  Date d;
  if (date.size() == 6 && date.substr(0, 2) == "--") {  // 4.0 --MMDD
    d.year = kNoYear;
    if (!digits(date, 2, 2, &d.month) || !digits(date, 4, 2, &d.day)) return {};
  } else if (date.size() == 7 && date.substr(0, 2) == "--" && date[4] == '-') {  // --MM-DD
    d.year = kNoYear;
    if (!digits(date, 2, 2, &d.month) || !digits(date, 5, 2, &d.day)) return {};
  } else if (date.size() == 8) {  // YYYYMMDD
    if (!digits(date, 0, 4, &d.year) || !digits(date, 4, 2, &d.month) ||
        !digits(date, 6, 2, &d.day)) {
      return {};
    }
  } else if (date.size() == 10 && date[4] == '-' && date[7] == '-') {  // YYYY-MM-DD
    if (!digits(date, 0, 4, &d.year) || !digits(date, 5, 2, &d.month) ||
        !digits(date, 8, 2, &d.day)) {
      return {};
    }
  } else {
    return {};
  }
  if (!plausible(d)) return {};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT00:00:00.000Z", d.year, d.month, d.day);
  return buf;
}

std::string vcard_date_from_eas(std::string_view eas, bool v40) {
  Date d;
  if (eas.size() < 10 || eas[4] != '-' || eas[7] != '-' || !digits(eas, 0, 4, &d.year) ||
      !digits(eas, 5, 2, &d.month) || !digits(eas, 8, 2, &d.day) || !plausible(d)) {
    return {};
  }
  int hour = 0;
  if (eas.size() >= 13 && eas[10] == 'T' && digits(eas, 11, 2, &hour) && hour >= 12) {
    // MS-ASCNTC 2.2.2.6: the time part SHOULD be ignored, but a device east of UTC sends
    // its local midnight, which is the previous day in UTC; round to the nearest day.
    d = civil_from_days(days_from_civil(d.year, d.month, d.day) + 1);
  }
  char buf[16];
  if (v40 && d.year == kNoYear) {
    std::snprintf(buf, sizeof buf, "--%02d%02d", d.month, d.day);
  } else if (v40) {
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.year, d.month, d.day);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  }
  return buf;
}

}  // namespace easgate::vcard
