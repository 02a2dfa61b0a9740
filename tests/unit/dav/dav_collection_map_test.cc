#include <doctest/doctest.h>

#include <string>

#include "backends/dav/dav_collection_map.h"
#include "backends/dav/dav_url.h"
#include "tests/unit/dav/dav_samples.h"

namespace easgate {
namespace {

const DavCollection* by_href(const std::vector<DavCollection>& cs, const std::string& href) {
  for (const auto& c : cs) {
    if (c.href == href) return &c;
  }
  return nullptr;
}

TEST_CASE("Radicale home: kinds, names, tokens; home itself skipped") {
  Result<Multistatus> ms = parse_multistatus(testing::kRadicaleHomeListing);
  REQUIRE(ms.is_ok());
  auto cs = collections_from_home(*ms, "http://127.0.0.1:15232/alice/");
  order_and_pick_defaults(&cs);
  REQUIRE(cs.size() == 4);
  CHECK(cs[0].href == "/alice/calendar/");
  CHECK(cs[1].href == "/alice/contacts/");
  CHECK(cs[2].href == "/alice/tasks/");
  CHECK(cs[3].href == "/alice/work/");
  CHECK(cs[0].kind == CollectionKind::kCalendar);
  CHECK(cs[1].kind == CollectionKind::kContacts);  // addressbook wins over its comp set
  CHECK(cs[2].kind == CollectionKind::kTasks);
  CHECK(cs[3].kind == CollectionKind::kCalendar);
  CHECK(cs[0].display_name == "Calendar");
  CHECK(cs[0].ctag == "\"7bd8c989\"");
  CHECK(cs[0].sync_token == "http://radicale.org/ns/sync/e3b0c445");
  CHECK(cs[0].is_default);
  CHECK(cs[1].is_default);
  CHECK(cs[2].is_default);
  CHECK_FALSE(cs[3].is_default);
}

TEST_CASE("Nextcloud calendar home: mixed calendar is a calendar, inbox/outbox/trash skipped") {
  std::string body = testing::kNextcloudCalendarHome;
  body.replace(body.find("HOST"), 4, "cloud.example.test");
  Result<Multistatus> ms = parse_multistatus(body);
  REQUIRE(ms.is_ok());
  auto cs = collections_from_home(*ms, "https://cloud.example.test/remote.php/dav/calendars/alice/");
  order_and_pick_defaults(&cs);
  REQUIRE(cs.size() == 3);
  const auto* personal = by_href(cs, "/remote.php/dav/calendars/alice/personal/");
  const auto* deck = by_href(cs, "/remote.php/dav/calendars/alice/app-generated--deck--board-1/");
  const auto* errands = by_href(cs, "/remote.php/dav/calendars/alice/a-tasks/");
  REQUIRE(personal);
  REQUIRE(deck);
  REQUIRE(errands);
  CHECK(personal->kind == CollectionKind::kCalendar);
  CHECK(personal->is_default);  // "personal" is a preferred name
  CHECK(personal->ctag == "http://sabre.io/ns/sync/17");
  CHECK(deck->kind == CollectionKind::kTasks);
  CHECK(errands->kind == CollectionKind::kTasks);
  CHECK(errands->sync_token.empty());
  // No "tasks"/"todo"/"default" list: the first by href is the default.
  CHECK(errands->is_default);
  CHECK_FALSE(deck->is_default);
}

DavResponse calendar_response(const std::string& href, std::vector<std::string> comps,
                              bool with_comp_set = true) {
  DavResponse r;
  r.href = href;
  DavProperty type{std::string(kDavNs), "resourcetype", "", {}};
  type.children.push_back({std::string(kDavNs), "collection", "", {}});
  type.children.push_back({std::string(kCalDavNs), "calendar", "", {}});
  r.properties.push_back(type);
  if (with_comp_set) {
    DavProperty set{std::string(kCalDavNs), "supported-calendar-component-set", "", {}};
    for (auto& c : comps) set.children.push_back({std::string(kCalDavNs), "comp", "", {{"name", c}}});
    r.properties.push_back(set);
  }
  return r;
}

TEST_CASE("component set decides the kind") {
  const std::string url = "http://h/x/";
  CHECK(collection_from_response(calendar_response("/x/", {"VTODO", "VEVENT"}), url)->kind ==
        CollectionKind::kCalendar);
  CHECK(collection_from_response(calendar_response("/x/", {"vtodo"}), url)->kind ==
        CollectionKind::kTasks);
  CHECK(collection_from_response(calendar_response("/x/", {"VJOURNAL"}), url)->kind ==
        CollectionKind::kNotes);
  CHECK(collection_from_response(calendar_response("/x/", {"VTODO", "VJOURNAL"}), url)->kind ==
        CollectionKind::kTasks);
  // RFC 4791 5.2.3: no component set means every component, so a calendar.
  CHECK(collection_from_response(calendar_response("/x/", {}, false), url)->kind ==
        CollectionKind::kCalendar);
  CHECK_FALSE(collection_from_response(calendar_response("/x/", {"VFREEBUSY"}), url));
  // Display name falls back to the decoded last segment.
  CHECK(collection_from_response(calendar_response("/x/", {"VEVENT"}), "http://h/a/My%20Cal/")
            ->display_name == "My Cal");
  DavResponse gone = calendar_response("/x/", {"VEVENT"});
  gone.status = 404;
  CHECK_FALSE(collection_from_response(gone, url));
}

TEST_CASE("defaults: preferred names, then first by href; duplicates dropped") {
  std::vector<DavCollection> cs = {
      {"/u/zeta/", "Z", CollectionKind::kCalendar, "", "", true},
      {"/u/Default/", "D", CollectionKind::kCalendar, "", "", false},
      {"/u/alpha/", "A", CollectionKind::kCalendar, "", "", false},
      {"/u/book/", "B", CollectionKind::kContacts, "", "", false},
      {"/u/book", "B again", CollectionKind::kContacts, "", "", false},
      {"/u/journal/", "J", CollectionKind::kNotes, "", "", false},
  };
  order_and_pick_defaults(&cs);
  REQUIRE(cs.size() == 5);
  CHECK(by_href(cs, "/u/Default/")->is_default);  // case-insensitive preferred name
  CHECK_FALSE(by_href(cs, "/u/zeta/")->is_default);
  CHECK_FALSE(by_href(cs, "/u/alpha/")->is_default);
  CHECK(by_href(cs, "/u/book")->is_default);  // sorted first, its duplicate dropped
  CHECK(by_href(cs, "/u/book/") == nullptr);
  CHECK(by_href(cs, "/u/journal/")->is_default);
}

TEST_CASE("URL helpers") {
  CHECK(*resolve_dav_url("http://h:1/a/b/", "/c/") == "http://h:1/c/");
  CHECK(*resolve_dav_url("http://h:1/a/b/", "d/") == "http://h:1/a/b/d/");
  CHECK(*resolve_dav_url("http://h:1/a/", "https://o/x/") == "https://o/x/");
  CHECK(dav_url_path("http://h:1/a%20b/") == "/a%20b/");
  CHECK(dav_url_path("http://h:1") == "/");
  CHECK(dav_path_key("/a%40b") == "/a@b/");
  CHECK(dav_last_segment("/alice/My%20Cal/") == "My Cal");
  CHECK(dav_last_segment("/") == "");
  CHECK_FALSE(resolve_dav_url("not a url", "/x").is_ok());
}

}  // namespace
}  // namespace easgate
