#include <doctest/doctest.h>

#include <string>

#include "backends/dav/dav_item_xml.h"
#include "backends/dav/ical_busy.h"

namespace easgate {
namespace {

using std::chrono::sys_days;
using namespace std::chrono;

sys_seconds at(int y, unsigned m, unsigned d, int h, int mi = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{mi};
}

TEST_CASE("VFREEBUSY: both period forms, FBTYPEs, FREE dropped, overlaps merged") {
  const char* ical =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VFREEBUSY\r\n"
      "FREEBUSY:20300105T100000Z/20300105T110000Z,20300105T103000Z/PT1H\r\n"
      "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20300106T090000Z/P\r\n T1H\r\n"
      "FREEBUSY;FBTYPE=FREE:20300107T090000Z/PT1H\r\n"
      "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20300108T000000Z/P1D\r\n"
      "END:VFREEBUSY\r\nEND:VCALENDAR\r\n";
  Result<std::vector<BusyInterval>> b = parse_free_busy(ical);
  REQUIRE(b.is_ok());
  REQUIRE(b->size() == 3);
  CHECK((*b)[0] == BusyInterval{at(2030, 1, 5, 10), at(2030, 1, 5, 11, 30), BusyInterval::Kind::kBusy});
  CHECK((*b)[1] == BusyInterval{at(2030, 1, 6, 9), at(2030, 1, 6, 10), BusyInterval::Kind::kTentative});
  CHECK((*b)[2] == BusyInterval{at(2030, 1, 8, 0), at(2030, 1, 9, 0), BusyInterval::Kind::kUnavailable});
  CHECK_FALSE(parse_free_busy("garbage").is_ok());
  CHECK_FALSE(parse_free_busy("BEGIN:VCALENDAR\r\nFREEBUSY:2030/PT1H\r\nEND:VCALENDAR\r\n").is_ok());
  CHECK_FALSE(parse_free_busy("BEGIN:VCALENDAR\r\nFREEBUSY:20300105T100000Z/P-1H\r\nEND:VCALENDAR\r\n").is_ok());
}

TEST_CASE("busy periods from events: recurrence expanded and clipped, free events ignored") {
  const char* ical =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
      "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300105T100000Z\r\n"
      "DTEND:20300105T110000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEXDATE:20300106T100000Z\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300105T120000Z\r\n"
      "DTEND:20300105T130000Z\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:c\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300105T140000Z\r\n"
      "DTEND:20300105T150000Z\r\nSTATUS:TENTATIVE\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n";
  std::vector<BusyInterval> busy;
  REQUIRE(add_busy_from_ical(ical, at(2030, 1, 5, 10, 30), at(2030, 1, 7, 23), &busy).is_ok());
  merge_busy(&busy);
  REQUIRE(busy.size() == 3);
  CHECK(busy[0] == BusyInterval{at(2030, 1, 5, 10, 30), at(2030, 1, 5, 11), BusyInterval::Kind::kBusy});
  CHECK(busy[1] == BusyInterval{at(2030, 1, 5, 14), at(2030, 1, 5, 15), BusyInterval::Kind::kTentative});
  CHECK(busy[2] == BusyInterval{at(2030, 1, 7, 10), at(2030, 1, 7, 11), BusyInterval::Kind::kBusy});
}

TEST_CASE("request bodies escape what they carry") {
  CHECK(sync_collection_body("").find("<D:sync-token/>") != std::string::npos);
  CHECK(multiget_body(CollectionKind::kCalendar, {"/a&b.ics"}).find("<D:href>/a&amp;b.ics</D:href>") !=
        std::string::npos);
  const std::string mk = make_collection_body(CollectionKind::kTasks, "<Tasks>");
  CHECK(mk.find("mkcalendar") != std::string::npos);
  CHECK(mk.find("name=\"VTODO\"") != std::string::npos);
  CHECK(mk.find("&lt;Tasks&gt;") != std::string::npos);
  CHECK(make_collection_body(CollectionKind::kContacts, "x").find("<CR:addressbook/>") !=
        std::string::npos);
  CHECK(free_busy_query_body(at(2030, 1, 5, 0), at(2030, 1, 6, 0))
            .find("start=\"20300105T000000Z\" end=\"20300106T000000Z\"") != std::string::npos);
}

}  // namespace
}  // namespace easgate
