#include <doctest/doctest.h>

#include "gateway/commands/resolve_recipients.h"
#include "gateway/commands/search_gal.h"
#include "gateway/eas/wbxml/tags.h"

using namespace easgate;
using namespace std::chrono;

namespace {

vcard::EasContact person(std::string first, std::string last, std::string email) {
  vcard::EasContact c;
  c.first_name = std::move(first);
  c.last_name = std::move(last);
  c.file_as = c.first_name + " " + c.last_name;
  c.email1_address = std::move(email);
  return c;
}

sys_seconds at(int h, int m) { return sys_days{2031y / 3 / 3} + hours{h} + minutes{m}; }

}  // namespace

TEST_CASE("GAL matches a prefix of any name word or the address, case-insensitively") {
  auto c = person("Amy", "van Quorra", "\"Amy\" <amy.q@example.test>");
  CHECK(gal_email(c) == "amy.q@example.test");
  CHECK(gal_matches(c, "am"));
  CHECK(gal_matches(c, "QUOR"));
  CHECK(gal_matches(c, "van q"));
  CHECK(gal_matches(c, "amy.q@"));
  CHECK_FALSE(gal_matches(c, "my"));
  CHECK_FALSE(gal_matches(c, ""));
  CHECK_FALSE(gal_matches(c, "  "));
}

TEST_CASE("GAL picture follows MaxSize and MaxPictures") {
  auto c = person("Amy", "Q", "amy@example.test");
  c.picture = "AAAAAAAA";  // 6 bytes decoded
  GalPictureOptions o;
  o.wanted = true;
  o.max_pictures = 1;
  uint64_t sent = 0;
  WbxmlElement p1(tag::search::kProperties), p2(tag::search::kProperties);
  append_gal_properties(c, ProtocolVersion::v14_1(), o, &sent, p1);
  append_gal_properties(c, ProtocolVersion::v14_1(), o, &sent, p2);
  CHECK(p1.child(tag::gal::kPicture)->child_text(tag::gal::kStatus) == "1");
  CHECK(p2.child(tag::gal::kPicture)->child_text(tag::gal::kStatus) == "175");
  o.max_pictures = 0;
  o.max_size = 5;
  WbxmlElement p3(tag::search::kProperties);
  append_gal_properties(c, ProtocolVersion::v14_1(), o, &sent, p3);
  CHECK(p3.child(tag::gal::kPicture)->child_text(tag::gal::kStatus) == "174");
  WbxmlElement p4(tag::search::kProperties);
  append_gal_properties(c, ProtocolVersion::v12_1(), o, &sent, p4);
  CHECK(p4.child(tag::gal::kPicture) == nullptr);  // Picture is 14.1+
  CHECK(p4.child_text(tag::gal::kAlias) == "amy");
}

TEST_CASE("MergedFreeBusy: 30-minute slots, the highest value wins a slot") {
  std::vector<BusyInterval> busy{
      {at(10, 0), at(11, 0), BusyInterval::Kind::kBusy},
      {at(13, 0), at(13, 30), BusyInterval::Kind::kTentative},
      {at(13, 10), at(13, 20), BusyInterval::Kind::kUnavailable},
      {at(9, 15), at(9, 20), BusyInterval::Kind::kTentative},
      {at(8, 0), at(8, 30), BusyInterval::Kind::kBusy},    // before the window
      {at(15, 0), at(16, 0), BusyInterval::Kind::kBusy},   // after it
  };
  CHECK(merged_free_busy(busy, at(9, 0), at(15, 0)) == "102200003000");
  CHECK(merged_free_busy({}, at(9, 0), at(9, 45)) == "00");  // a partial slot counts
  CHECK(merged_free_busy(busy, at(9, 0), at(9, 0)).empty());
}

TEST_CASE("EAS UTC times parse with and without the fraction; others are refused") {
  CHECK(parse_eas_utc("2031-03-03T09:00:00.000Z") == at(9, 0));
  CHECK(parse_eas_utc("2031-03-03T13:30:00Z") == at(13, 30));
  CHECK_FALSE(parse_eas_utc("2031-03-03T09:00:00"));
  CHECK_FALSE(parse_eas_utc("2031-02-30T09:00:00Z"));
  CHECK_FALSE(parse_eas_utc("yesterday"));
}
