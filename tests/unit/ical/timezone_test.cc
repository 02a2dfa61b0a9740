// TimeZone blob: known values for IANA zones (MS-ASDTYPE 2.7.4 TIME_ZONE_INFORMATION).
#include <doctest/doctest.h>

#include "backends/ical/eas_timezone.h"

namespace easgate::ical {
namespace {

// Expected rules: bias (minutes west), daylight bias, and the two transitions as
// (month, week 1..5, hour, minute) with Sunday (0) unless `dow` says otherwise.
struct Rule {
  int month, week, hour, minute, dow = 0;
};
struct ZoneCase {
  const char* zone;
  int year;
  int bias;
  int daylight_bias;       // 0 when no DST
  Rule standard;           // month 0 = no DST
  Rule daylight;
};

const ZoneCase kCases[] = {
    {"America/New_York", 2007, 300, -60, {11, 1, 2, 0}, {3, 2, 2, 0}},
    {"America/New_York", 2006, 300, -60, {10, 5, 2, 0}, {4, 1, 2, 0}},
    {"America/New_York", 2023, 300, -60, {11, 1, 2, 0}, {3, 2, 2, 0}},
    {"America/Los_Angeles", 2024, 480, -60, {11, 1, 2, 0}, {3, 2, 2, 0}},
    {"America/Phoenix", 2024, 420, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"America/St_Johns", 2024, 210, -60, {11, 1, 2, 0}, {3, 2, 2, 0}},
    {"America/Sao_Paulo", 2018, 180, -60, {2, 3, 0, 0}, {11, 1, 0, 0}},
    {"America/Sao_Paulo", 2019, 180, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"America/Sao_Paulo", 2024, 180, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Europe/London", 2024, 0, -60, {10, 5, 2, 0}, {3, 5, 1, 0}},
    {"Europe/Berlin", 2024, -60, -60, {10, 5, 3, 0}, {3, 5, 2, 0}},
    {"Europe/Moscow", 2010, -180, -60, {10, 5, 3, 0}, {3, 5, 2, 0}},
    {"Europe/Moscow", 2011, -240, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Europe/Moscow", 2013, -240, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Europe/Moscow", 2014, -240, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Europe/Moscow", 2015, -180, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Atlantic/Azores", 2024, 60, -60, {10, 5, 1, 0}, {3, 5, 0, 0}},
    {"Africa/Johannesburg", 2024, -120, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Asia/Tokyo", 2024, -540, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Asia/Kolkata", 2024, -330, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Asia/Kathmandu", 2024, -345, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    // Iran's DST ran on fixed dates (Farvardin 1/2 to Shahrivar 30/31) until 2022.
    {"Asia/Tehran", 2021, -210, -60, {9, 4, 0, 0, 3}, {3, 4, 0, 0, 1}},
    {"Asia/Tehran", 2023, -210, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
    {"Australia/Sydney", 2024, -600, -60, {4, 1, 3, 0}, {10, 1, 2, 0}},
    {"Pacific/Auckland", 2024, -720, -60, {4, 1, 3, 0}, {9, 5, 2, 0}},
    {"Pacific/Chatham", 2024, -765, -60, {4, 1, 3, 45}, {9, 5, 2, 45}},
    {"UTC", 2024, 0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
};

void check_rule(const SystemTime& s, const Rule& r) {
  CHECK(s.year == 0);
  CHECK(s.month == r.month);
  if (r.month == 0) return;
  CHECK(s.day == r.week);
  CHECK(s.day_of_week == r.dow);
  CHECK(s.hour == r.hour);
  CHECK(s.minute == r.minute);
}

TEST_CASE("TimeZone blob rules for IANA zones match known values") {
  for (const ZoneCase& c : kCases) {
    const std::string zone_name = c.zone;
    CAPTURE(zone_name);
    CAPTURE(c.year);
    auto tz = eas_timezone_for(c.zone, c.year);
    REQUIRE(tz.is_ok());
    CHECK(tz->bias == c.bias);
    CHECK(tz->standard_bias == 0);
    CHECK(tz->daylight_bias == c.daylight_bias);
    check_rule(tz->standard_date, c.standard);
    check_rule(tz->daylight_date, c.daylight);
    // The blob survives base64 and decoding, and maps back to a zone with these rules.
    auto blob = eas_timezone_blob(c.zone, c.year);
    REQUIRE(blob.is_ok());
    auto parsed = parse_eas_timezone_blob(*blob);
    REQUIRE(parsed.is_ok());
    CHECK(*parsed == *tz);
    CHECK(parsed->standard_name == c.zone);
    auto match = match_iana_zone(*parsed, c.year);
    REQUIRE(match.has_value());
    CHECK(*match == c.zone);
  }
}

TEST_CASE("New York blob bytes: Bias 300, first Sunday November, second Sunday March") {
  auto tz = eas_timezone_for("America/New_York", 2024);
  REQUIRE(tz.is_ok());
  const std::string raw = encode_eas_timezone_bytes(*tz);
  REQUIRE(raw.size() == kTimeZoneInformationSize);
  auto u8 = [&](size_t i) { return static_cast<unsigned char>(raw[i]); };
  CHECK(u8(0) == 0x2C);  // 300 = 0x012C little-endian
  CHECK(u8(1) == 0x01);
  CHECK(u8(68 + 2) == 11);  // StandardDate.wMonth
  CHECK(u8(68 + 6) == 1);   // StandardDate.wDay (first)
  CHECK(u8(68 + 8) == 2);   // StandardDate.wHour
  CHECK(u8(152 + 2) == 3);  // DaylightDate.wMonth
  CHECK(u8(152 + 6) == 2);  // DaylightDate.wDay (second)
  CHECK(u8(168) == 0xC4);   // DaylightBias -60
  CHECK(u8(171) == 0xFF);
}

TEST_CASE("A blob without a name maps to the preferred zone") {
  auto tz = eas_timezone_for("America/New_York", 2011);
  REQUIRE(tz.is_ok());
  tz->standard_name.clear();
  tz->daylight_name.clear();
  CHECK(match_iana_zone(*tz, 2011) == std::optional<std::string>("America/New_York"));
  tz->standard_name = "Eastern Standard Time";
  CHECK(match_iana_zone(*tz, 2011) == std::optional<std::string>("America/New_York"));
  tz->bias = 301;  // no zone has these rules
  CHECK_FALSE(match_iana_zone(*tz, 2011).has_value());
}

TEST_CASE("Malformed blobs are rejected") {
  CHECK(parse_eas_timezone_blob("not base64!").status().kind() == ErrorKind::kMalformed);
  CHECK(parse_eas_timezone_blob("AAAA").status().kind() == ErrorKind::kMalformed);
  EasTimeZone bad;
  bad.bias = 100000;
  CHECK(parse_eas_timezone_blob(encode_eas_timezone(bad)).status().kind() ==
        ErrorKind::kMalformed);
  CHECK(eas_timezone_for("Nowhere/Atlantis", 2024).status().kind() == ErrorKind::kNotFound);
  CHECK(eas_timezone_for("../../etc/passwd", 2024).status().kind() == ErrorKind::kNotFound);
}

TEST_CASE("A VTIMEZONE built from a blob has the blob's rules") {
  auto tz = eas_timezone_for("Australia/Sydney", 2024);
  REQUIRE(tz.is_ok());
  const std::string vtz = vtimezone_from_eas_timezone(*tz, "Custom/Sydney");
  auto back = eas_timezone_for(vtz, 2024);
  REQUIRE(back.is_ok());
  CHECK(back->same_rules(*tz));
}

}  // namespace
}  // namespace easgate::ical
