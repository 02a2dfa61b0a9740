#include "backends/ical/eas_timezone.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "backends/ical/eas_time.h"
#include "backends/ical/ical_support.h"
#include "gateway/eas/wbxml/wbxml_xml.h"

namespace easgate::ical {
namespace {

using detail::libical_mutex;

// Windows zone names (CLDR windowsZones.xml, territory 001) and their usual IANA zone.
// The order is also the preference among zones with equal rules.
struct WindowsZone {
  const char* windows;  // Windows TIME_ZONE_INFORMATION StandardName as Outlook sends it
  const char* iana;     // golden IANA zone
};
constexpr WindowsZone kWindowsZones[] = {
    {"UTC", "UTC"},
    {"Eastern Standard Time", "America/New_York"},
    {"Central Standard Time", "America/Chicago"},
    {"Mountain Standard Time", "America/Denver"},
    {"US Mountain Standard Time", "America/Phoenix"},
    {"Pacific Standard Time", "America/Los_Angeles"},
    {"Alaskan Standard Time", "America/Anchorage"},
    {"Hawaiian Standard Time", "Pacific/Honolulu"},
    {"Atlantic Standard Time", "America/Halifax"},
    {"Newfoundland Standard Time", "America/St_Johns"},
    {"E. South America Standard Time", "America/Sao_Paulo"},
    {"Argentina Standard Time", "America/Argentina/Buenos_Aires"},
    {"GMT Standard Time", "Europe/London"},
    {"Greenwich Standard Time", "Atlantic/Reykjavik"},
    {"W. Europe Standard Time", "Europe/Berlin"},
    {"Romance Standard Time", "Europe/Paris"},
    {"Central Europe Standard Time", "Europe/Budapest"},
    {"Central European Standard Time", "Europe/Warsaw"},
    {"GTB Standard Time", "Europe/Bucharest"},
    {"FLE Standard Time", "Europe/Kiev"},
    {"Russian Standard Time", "Europe/Moscow"},
    {"Turkey Standard Time", "Europe/Istanbul"},
    {"Israel Standard Time", "Asia/Jerusalem"},
    {"Egypt Standard Time", "Africa/Cairo"},
    {"South Africa Standard Time", "Africa/Johannesburg"},
    {"Azores Standard Time", "Atlantic/Azores"},
    {"Arabian Standard Time", "Asia/Dubai"},
    {"Iran Standard Time", "Asia/Tehran"},
    {"India Standard Time", "Asia/Kolkata"},
    {"Nepal Standard Time", "Asia/Kathmandu"},
    {"SE Asia Standard Time", "Asia/Bangkok"},
    {"China Standard Time", "Asia/Shanghai"},
    {"Singapore Standard Time", "Asia/Singapore"},
    {"Tokyo Standard Time", "Asia/Tokyo"},
    {"Korea Standard Time", "Asia/Seoul"},
    {"AUS Eastern Standard Time", "Australia/Sydney"},
    {"E. Australia Standard Time", "Australia/Brisbane"},
    {"Cen. Australia Standard Time", "Australia/Adelaide"},
    {"W. Australia Standard Time", "Australia/Perth"},
    {"New Zealand Standard Time", "Pacific/Auckland"},
    {"Chatham Islands Standard Time", "Pacific/Chatham"},
};

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& out, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
}
uint16_t get16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
int32_t get32(const unsigned char* p) {
  return static_cast<int32_t>(static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                              (static_cast<uint32_t>(p[2]) << 16) |
                              (static_cast<uint32_t>(p[3]) << 24));
}

// UTF-8 -> 32 UTF-16LE code units, NUL-padded and truncated to 31 units.
void put_name(std::string& out, const std::string& utf8) {
  std::vector<uint16_t> units;
  for (size_t i = 0; i < utf8.size() && units.size() < 31;) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (c < 0x80) cp = c;
    else if ((c >> 5) == 6 && i + 1 < utf8.size()) cp = ((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F), len = 2;
    else if ((c >> 4) == 14 && i + 2 < utf8.size())
      cp = ((c & 0x0F) << 12) | ((utf8[i + 1] & 0x3F) << 6) | (utf8[i + 2] & 0x3F), len = 3;
    else if ((c >> 3) == 30 && i + 3 < utf8.size())
      cp = ((c & 0x07) << 18) | ((utf8[i + 1] & 0x3F) << 12) | ((utf8[i + 2] & 0x3F) << 6) |
           (utf8[i + 3] & 0x3F), len = 4;
    i += len;
    if (cp >= 0x10000) {
      if (units.size() + 2 > 31) break;
      cp -= 0x10000;
      units.push_back(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      units.push_back(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      units.push_back(static_cast<uint16_t>(cp));
    }
  }
  units.resize(32, 0);
  for (uint16_t u : units) put16(out, u);
}

std::string get_name(const unsigned char* p) {
  std::string out;
  for (int i = 0; i < 32; ++i) {
    uint32_t cp = get16(p + 2 * i);
    if (cp == 0) break;
    if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < 32) {
      const uint32_t lo = get16(p + 2 * (i + 1));
      if (lo >= 0xDC00 && lo < 0xE000) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        ++i;
      } else {
        cp = 0xFFFD;
      }
    } else if (cp >= 0xD800 && cp < 0xE000) {
      cp = 0xFFFD;
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

void put_systemtime(std::string& out, const SystemTime& s) {
  for (uint16_t v : {s.year, s.month, s.day_of_week, s.day, s.hour, s.minute, s.second,
                     s.milliseconds})
    put16(out, v);
}
SystemTime get_systemtime(const unsigned char* p) {
  return {get16(p), get16(p + 2), get16(p + 4), get16(p + 6),
          get16(p + 8), get16(p + 10), get16(p + 12), get16(p + 14)};
}

bool same_transition(const SystemTime& a, const SystemTime& b) {
  return a.year == b.year && a.month == b.month && a.day_of_week == b.day_of_week &&
         a.day == b.day && a.hour == b.hour && a.minute == b.minute;
}

// One offset change: the UTC instant and the offsets (seconds east) around it.
struct Transition {
  EasTime at = 0;   // first second with the new offset
  int before = 0;   // offset before
  int after = 0;    // offset after
};

// Offset changes whose local date (in the old offset) falls in `year`.
std::vector<Transition> transitions_in_year(icaltimezone* zone, int year) {
  std::vector<Transition> out;
  const EasTime begin = civil_to_time({year, 1, 1, 0, 0, 0}) - 86400;
  const EasTime end = civil_to_time({year + 1, 1, 1, 0, 0, 0}) + 86400;
  int prev = detail::utc_offset_at(zone, begin);
  for (EasTime t = begin + 86400; t <= end; t += 86400) {
    const int cur = detail::utc_offset_at(zone, t);
    if (cur == prev) continue;
    EasTime lo = t - 86400, hi = t;  // offset(lo) == prev, offset(hi) != prev
    while (hi - lo > 1) {
      const EasTime mid = lo + (hi - lo) / 2;
      if (detail::utc_offset_at(zone, mid) == prev) lo = mid;
      else hi = mid;
    }
    const Transition tr{hi, prev, detail::utc_offset_at(zone, hi)};
    if (time_to_civil(tr.at + tr.before).year == year) out.push_back(tr);
    prev = cur;
  }
  return out;
}

// The "nth weekday of month" SYSTEMTIME for a transition, in the old offset's wall time.
SystemTime systemtime_for(const Transition& tr) {
  const CivilTime c = time_to_civil(tr.at + tr.before);
  SystemTime s;
  s.month = static_cast<uint16_t>(c.month);
  s.day_of_week = static_cast<uint16_t>(day_of_week(c.year, c.month, c.day));
  // MS-ASDTYPE 2.7.4: wDay 5 means the last such weekday of the month.
  s.day = static_cast<uint16_t>(c.day + 7 > days_in_month(c.year, c.month) ? 5 : (c.day - 1) / 7 + 1);
  s.hour = static_cast<uint16_t>(c.hour);
  s.minute = static_cast<uint16_t>(c.minute);
  return s;
}

std::string offset_text(int minutes_east) {
  char buf[16];
  const int a = minutes_east < 0 ? -minutes_east : minutes_east;
  std::snprintf(buf, sizeof buf, "%c%02d%02d", minutes_east < 0 ? '-' : '+', a / 60, a % 60);
  return buf;
}

std::string rule_text(const SystemTime& s) {
  static constexpr const char* kDays[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
  char buf[96];
  const int week = s.day >= 5 ? -1 : s.day;
  std::snprintf(buf, sizeof buf, "DTSTART:1970%02d01T%02d%02d00\r\nRRULE:FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s\r\n",
                s.month, s.hour, s.minute, s.month, week, kDays[s.day_of_week % 7]);
  return buf;
}

}  // namespace

bool EasTimeZone::same_rules(const EasTimeZone& o) const {
  if (has_dst() != o.has_dst()) return false;
  if (bias + standard_bias != o.bias + o.standard_bias) return false;
  if (!has_dst()) return true;
  return daylight_bias - standard_bias == o.daylight_bias - o.standard_bias &&
         same_transition(standard_date, o.standard_date) &&
         same_transition(daylight_date, o.daylight_date);
}

std::string encode_eas_timezone_bytes(const EasTimeZone& tz) {
  std::string out;
  out.reserve(kTimeZoneInformationSize);
  put32(out, tz.bias);
  put_name(out, tz.standard_name);
  put_systemtime(out, tz.standard_date);
  put32(out, tz.standard_bias);
  put_name(out, tz.daylight_name);
  put_systemtime(out, tz.daylight_date);
  put32(out, tz.daylight_bias);
  return out;
}

std::string encode_eas_timezone(const EasTimeZone& tz) {
  return base64_encode(encode_eas_timezone_bytes(tz));
}

Result<EasTimeZone> parse_eas_timezone_blob(std::string_view base64) {
  std::string raw;
  if (!base64_decode(base64, &raw)) return Status::malformed("timezone: not base64");
  if (raw.size() != kTimeZoneInformationSize)
    return Status::malformed("timezone: " + std::to_string(raw.size()) + " bytes, want 172");
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  EasTimeZone tz;
  tz.bias = get32(p);
  tz.standard_name = get_name(p + 4);
  tz.standard_date = get_systemtime(p + 68);
  tz.standard_bias = get32(p + 84);
  tz.daylight_name = get_name(p + 88);
  tz.daylight_date = get_systemtime(p + 152);
  tz.daylight_bias = get32(p + 168);
  // Real offsets lie within -14h..+14h; anything else is garbage, not a zone.
  auto sane_bias = [](int32_t b) { return b >= -24 * 60 && b <= 24 * 60; };
  auto sane_date = [](const SystemTime& s) {
    return s.month <= 12 && s.day_of_week <= 6 && s.day <= 31 && s.hour <= 23 && s.minute <= 59;
  };
  if (!sane_bias(tz.bias) || !sane_bias(tz.standard_bias) || !sane_bias(tz.daylight_bias) ||
      !sane_date(tz.standard_date) || !sane_date(tz.daylight_date))
    return Status::malformed("timezone: field out of range");
  return tz;
}

namespace detail {

EasTimeZone eas_timezone_from_zone(icaltimezone* zone, int year, const std::string& name) {
  std::lock_guard lock(libical_mutex());
  EasTimeZone tz;
  tz.standard_name = name;
  tz.daylight_name = name;
  const std::vector<Transition> trs = zone ? transitions_in_year(zone, year) : std::vector<Transition>{};
  const bool dst_pair = trs.size() == 2 && trs[0].before == trs[1].after &&
                        trs[0].after == trs[1].before && trs[0].before != trs[0].after;
  if (dst_pair) {
    // The larger offset is daylight time (also for zones whose tzdata says "negative DST").
    const bool first_is_start = trs[0].after > trs[0].before;
    const Transition& start = first_is_start ? trs[0] : trs[1];
    const Transition& stop = first_is_start ? trs[1] : trs[0];
    tz.bias = -start.before / 60;
    tz.daylight_bias = -(start.after - start.before) / 60;
    tz.daylight_date = systemtime_for(start);
    tz.standard_date = systemtime_for(stop);
    return tz;
  }
  // No DST this year, or a one-off change of standard time (Moscow 2011 and 2014,
  // Sao Paulo 2019): the offset that holds for most of the year.
  std::map<int, EasTime> held;
  EasTime from = civil_to_time({year, 1, 1, 0, 0, 0});
  const EasTime year_end = civil_to_time({year + 1, 1, 1, 0, 0, 0});
  int current = utc_offset_at(zone, from);
  for (const Transition& tr : trs) {
    const EasTime at = std::clamp(tr.at, from, year_end);
    held[current] += at - from;
    from = at;
    current = tr.after;
  }
  held[current] += year_end - from;
  int best = current;
  for (const auto& [offset, seconds] : held)
    if (seconds > held[best]) best = offset;
  tz.bias = -best / 60;
  return tz;
}

ZoneRef zone_for_eas_timezone(const EasTimeZone& tz, int year) {
  std::lock_guard lock(libical_mutex());
  ZoneRef ref;
  if (!tz.has_dst() && tz.bias + tz.standard_bias == 0) {
    ref.tzid = "UTC";
    return ref;  // UTC: zone stays null
  }
  if (auto name = match_iana_zone(tz, year)) {
    ref.zone = builtin_zone(*name);
    ref.tzid = *name;
    if (ref.zone == icaltimezone_get_utc_timezone()) ref.zone = nullptr;
    return ref;
  }
  const std::string tzid = "easgate/" + (tz.standard_name.empty() ? std::string("custom")
                                                                  : tz.standard_name);
  ComponentPtr comp(icalcomponent_new_from_string(vtimezone_from_eas_timezone(tz, tzid).c_str()));
  if (!comp) return ref;
  ref.owned.reset(icaltimezone_new());
  if (!icaltimezone_set_component(ref.owned.get(), comp.get())) {
    ref.owned.reset();
    return ref;
  }
  comp.release();  // owned by the zone now
  ref.zone = ref.owned.get();
  ref.tzid = tzid;
  return ref;
}

}  // namespace detail

Result<EasTimeZone> eas_timezone_for(const std::string& iana_or_vtimezone, int year) {
  std::lock_guard lock(libical_mutex());
  detail::init_libical();
  if (iana_or_vtimezone.find("BEGIN:VTIMEZONE") != std::string::npos) {
    detail::ComponentPtr comp(icalcomponent_new_from_string(iana_or_vtimezone.c_str()));
    if (!comp) return Status::malformed("timezone: VTIMEZONE does not parse");
    icalcomponent* vtz = icalcomponent_isa(comp.get()) == ICAL_VTIMEZONE_COMPONENT
                             ? comp.get()
                             : icalcomponent_get_first_component(comp.get(), ICAL_VTIMEZONE_COMPONENT);
    if (!vtz) return Status::malformed("timezone: no VTIMEZONE");
    icalcomponent* copy = icalcomponent_new_clone(vtz);
    detail::OwnedZone zone(icaltimezone_new());
    if (!icaltimezone_set_component(zone.get(), copy)) {
      icalcomponent_free(copy);
      return Status::malformed("timezone: VTIMEZONE without TZID");
    }
    return detail::eas_timezone_from_zone(zone.get(), year, detail::zone_name(zone.get()));
  }
  icaltimezone* zone = detail::builtin_zone(iana_or_vtimezone);
  if (!zone) return Status::not_found("timezone: unknown zone " + iana_or_vtimezone);
  return detail::eas_timezone_from_zone(zone, year, iana_or_vtimezone);
}

Result<std::string> eas_timezone_blob(const std::string& iana_or_vtimezone, int year) {
  auto tz = eas_timezone_for(iana_or_vtimezone, year);
  if (!tz) return tz.status();
  return encode_eas_timezone(*tz);
}

std::optional<std::string> match_iana_zone(const EasTimeZone& tz, int year) {
  std::lock_guard lock(libical_mutex());
  detail::init_libical();
  auto matches = [&](const std::string& name) {
    icaltimezone* zone = detail::builtin_zone(name);
    if (!zone) return false;
    return detail::eas_timezone_from_zone(zone, year, name).same_rules(tz);
  };
  if (!tz.standard_name.empty() && matches(tz.standard_name)) return tz.standard_name;
  for (const WindowsZone& w : kWindowsZones)
    if (tz.standard_name == w.windows && matches(w.iana)) return std::string(w.iana);
  for (const WindowsZone& w : kWindowsZones)
    if (matches(w.iana)) return std::string(w.iana);
  // Everything else, alphabetically (the cache keeps repeated lookups cheap).
  static std::map<int, std::vector<std::pair<std::string, EasTimeZone>>> cache;
  auto& zones = cache[year];
  if (zones.empty()) {
    icalarray* all = icaltimezone_get_builtin_timezones();
    for (size_t i = 0; all && i < all->num_elements; ++i) {
      auto* zone = static_cast<icaltimezone*>(icalarray_element_at(all, i));
      const std::string name = detail::zone_name(zone);
      zones.emplace_back(name, detail::eas_timezone_from_zone(zone, year, name));
    }
    std::sort(zones.begin(), zones.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  for (const auto& [name, rules] : zones)
    if (rules.same_rules(tz)) return name;
  return std::nullopt;
}

std::string vtimezone_from_eas_timezone(const EasTimeZone& tz, const std::string& tzid) {
  const int standard = -(tz.bias + tz.standard_bias);
  const int daylight = -(tz.bias + tz.daylight_bias);
  std::string out = "BEGIN:VTIMEZONE\r\nTZID:" + tzid + "\r\n";
  if (!tz.has_dst()) {
    out += "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:" + offset_text(standard) +
           "\r\nTZOFFSETTO:" + offset_text(standard) + "\r\nEND:STANDARD\r\n";
  } else {
    out += "BEGIN:STANDARD\r\n" + rule_text(tz.standard_date) + "TZOFFSETFROM:" +
           offset_text(daylight) + "\r\nTZOFFSETTO:" + offset_text(standard) + "\r\nEND:STANDARD\r\n";
    out += "BEGIN:DAYLIGHT\r\n" + rule_text(tz.daylight_date) + "TZOFFSETFROM:" +
           offset_text(standard) + "\r\nTZOFFSETTO:" + offset_text(daylight) + "\r\nEND:DAYLIGHT\r\n";
  }
  return out + "END:VTIMEZONE\r\n";
}

}  // namespace easgate::ical
