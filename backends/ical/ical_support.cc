#include "backends/ical/ical_support.h"

namespace easgate::ical::detail {

std::recursive_mutex& libical_mutex() {
  static std::recursive_mutex m;
  return m;
}

void init_libical() {
  static std::once_flag once;
  std::call_once(once, [] { icalerror_set_errors_are_fatal(0); });
}

icaltimezone* builtin_zone(std::string_view name) {
  static constexpr std::string_view kPrefix = "/freeassociation.sourceforge.net/";
  if (name.substr(0, kPrefix.size()) == kPrefix) name.remove_prefix(kPrefix.size());
  if (name.empty() || name.size() > 64) return nullptr;
  if (name == "UTC" || name == "Etc/UTC" || name == "GMT" || name == "Etc/GMT" || name == "Z" ||
      name == "Etc/Universal" || name == "Universal" || name == "Zulu")
    return icaltimezone_get_utc_timezone();
  // Only plausible names reach libical: it builds a file path from them.
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return nullptr;
  }
  if (name.find("..") != std::string_view::npos || name.front() == '/') return nullptr;
  init_libical();
  return icaltimezone_get_builtin_timezone(std::string(name).c_str());
}

std::string zone_name(icaltimezone* zone) {
  if (!zone || zone == icaltimezone_get_utc_timezone()) return "UTC";
  if (const char* loc = icaltimezone_get_location(zone); loc && *loc) return loc;
  const char* tzid = icaltimezone_get_tzid(zone);
  std::string name = tzid ? tzid : "";
  static constexpr std::string_view kPrefix = "/freeassociation.sourceforge.net/";
  if (name.rfind(kPrefix, 0) == 0) name.erase(0, kPrefix.size());
  return name;
}

int utc_offset_at(icaltimezone* zone, EasTime t) {
  if (!zone) return 0;
  icaltimetype tt = icaltime_from_timet_with_zone(static_cast<time_t>(t), 0,
                                                  icaltimezone_get_utc_timezone());
  int is_dst = 0;
  return icaltimezone_get_utc_offset_of_utc_time(zone, &tt, &is_dst);
}

EasTime to_eas_time(icaltimetype t, icaltimezone* fallback) {
  icaltimezone* zone = const_cast<icaltimezone*>(t.zone);
  if (icaltime_is_utc(t)) zone = icaltimezone_get_utc_timezone();
  if (!zone || t.is_date) zone = fallback ? fallback : icaltimezone_get_utc_timezone();
  return static_cast<EasTime>(icaltime_as_timet_with_zone(t, zone));
}

icaltimetype from_eas_time(EasTime t, icaltimezone* zone) {
  return icaltime_from_timet_with_zone(static_cast<time_t>(t), 0,
                                       zone ? zone : icaltimezone_get_utc_timezone());
}

}  // namespace easgate::ical::detail
