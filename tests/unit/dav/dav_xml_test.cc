#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <string>

#include "backends/dav/dav_xml.h"
#include "tests/unit/dav/dav_samples.h"

namespace easgate {
namespace {

TEST_CASE("Radicale home listing: every response, 2xx props, 404 props as missing") {
  Result<Multistatus> ms = parse_multistatus(testing::kRadicaleHomeListing);
  REQUIRE(ms.is_ok());
  REQUIRE(ms->responses.size() == 5);

  const DavResponse& home = ms->responses[0];
  CHECK(home.href == "/alice/");
  CHECK(home.status == 0);
  const DavProperty* type = home.find(kDavNs, "resourcetype");
  REQUIRE(type != nullptr);
  CHECK(type->has_child(kDavNs, "principal"));
  CHECK(type->has_child(kDavNs, "collection"));
  CHECK(home.find(kDavNs, "displayname") == nullptr);
  REQUIRE(home.missing.size() == 4);
  CHECK(home.missing[1].ns == kCalDavNs);
  CHECK(home.missing[1].name == "supported-calendar-component-set");

  const DavResponse& tasks = ms->responses[1];
  CHECK(tasks.href == "/alice/tasks/");
  REQUIRE(tasks.find(kDavNs, "displayname") != nullptr);
  CHECK(tasks.find(kDavNs, "displayname")->text_trimmed() == "Tasks");
  const DavProperty* comps = tasks.find(kCalDavNs, "supported-calendar-component-set");
  REQUIRE(comps != nullptr);
  REQUIRE(comps->children.size() == 1);
  CHECK(comps->children[0].name == "comp");
  CHECK(comps->children[0].attribute("name") == "VTODO");
  CHECK(tasks.find(kCalendarServerNs, "getctag")->text_trimmed() == "\"e8253faa\"");
  CHECK(tasks.find(kDavNs, "sync-token")->text_trimmed() ==
        "http://radicale.org/ns/sync/e3b0c442");
  CHECK(ms->responses[2].find(kDavNs, "resourcetype")->has_child(kCardDavNs, "addressbook"));
}

TEST_CASE("Nextcloud style: other prefixes, whitespace, absolute href, CalendarServer ctag") {
  Result<Multistatus> ms = parse_multistatus(testing::kNextcloudCalendarHome);
  REQUIRE(ms.is_ok());
  REQUIRE(ms->responses.size() == 7);
  const DavResponse& personal = ms->responses[1];
  CHECK(personal.href == "/remote.php/dav/calendars/alice/personal/");
  CHECK(personal.find(kCalendarServerNs, "getctag")->text_trimmed() ==
        "http://sabre.io/ns/sync/17");
  const DavProperty* comps = personal.find(kCalDavNs, "supported-calendar-component-set");
  REQUIRE(comps != nullptr);
  REQUIRE(comps->children.size() == 2);
  CHECK(comps->children[1].attribute("name") == "VTODO");
  CHECK(ms->responses[3].href == "http://HOST/remote.php/dav/calendars/alice/a-tasks/");
  REQUIRE(ms->responses[3].missing.size() == 1);
  CHECK(ms->responses[3].missing[0].name == "sync-token");
  // A prefix is not a namespace: "cs:getctag" is not found under DAV:.
  CHECK(personal.find(kDavNs, "getctag") == nullptr);
}

TEST_CASE("current-user-principal and home sets expose their hrefs") {
  const char* body = R"(<?xml version="1.0"?>
<A:multistatus xmlns:A="DAV:"><A:response><A:href>/</A:href><A:propstat><A:prop>
<A:current-user-principal><A:href> /principals/alice/ </A:href></A:current-user-principal>
<B:calendar-home-set xmlns:B="urn:ietf:params:xml:ns:caldav"><A:href>/cal/alice/</A:href><A:href>/cal2/alice/</A:href></B:calendar-home-set>
</A:prop><A:status>HTTP/1.1 200 OK</A:status></A:propstat></A:response></A:multistatus>)";
  Result<Multistatus> ms = parse_multistatus(body);
  REQUIRE(ms.is_ok());
  const DavProperty* p = ms->responses[0].find(kDavNs, "current-user-principal");
  REQUIRE(p != nullptr);
  REQUIRE(p->hrefs().size() == 1);
  CHECK(p->hrefs()[0] == "/principals/alice/");
  const DavProperty* homes = ms->responses[0].find(kCalDavNs, "calendar-home-set");
  REQUIRE(homes != nullptr);
  CHECK(homes->hrefs() == std::vector<std::string>{"/cal/alice/", "/cal2/alice/"});
}

TEST_CASE("sync-collection: top-level sync-token and a response-level 404") {
  const char* body = R"(<?xml version="1.0" encoding="utf-8"?>
<d:multistatus xmlns:d="DAV:">
  <d:response><d:href>/alice/calendar/a.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
  <d:response><d:href>/alice/calendar/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
  <d:sync-token>http://radicale.org/ns/sync/abc</d:sync-token>
</d:multistatus>)";
  Result<Multistatus> ms = parse_multistatus(body);
  REQUIRE(ms.is_ok());
  REQUIRE(ms->responses.size() == 2);
  CHECK(ms->responses[0].status == 0);
  CHECK(ms->responses[0].find(kDavNs, "getetag")->text_trimmed() == "\"1\"");
  CHECK(ms->responses[1].status == 404);
  CHECK(ms->responses[1].properties.empty());
  CHECK(ms->sync_token == "http://radicale.org/ns/sync/abc");
}

TEST_CASE("property text keeps CDATA untrimmed; CRLF reads as LF (XML 1.0 section 2.11)") {
  const char* body =
      "<d:multistatus xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:response>"
      "<d:href>/a.ics</d:href><d:propstat><d:prop><c:calendar-data><![CDATA[BEGIN:VCALENDAR\r\n"
      "END:VCALENDAR\r\n]]></c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status>"
      "</d:propstat></d:response></d:multistatus>";
  Result<Multistatus> ms = parse_multistatus(body);
  REQUIRE(ms.is_ok());
  CHECK(ms->responses[0].find(kCalDavNs, "calendar-data")->text ==
        "BEGIN:VCALENDAR\nEND:VCALENDAR\n");
}

TEST_CASE("malformed input is refused with a precise message") {
  SUBCASE("not XML") {
    Result<Multistatus> ms = parse_multistatus("<html><body>Bad Gateway</body>");
    REQUIRE_FALSE(ms.is_ok());
    CHECK(ms.status().kind() == ErrorKind::kMalformed);
    CHECK(ms.status().message().find("line") != std::string::npos);
  }
  SUBCASE("truncated") {
    std::string body = testing::kRadicaleHomeListing;
    body.resize(body.size() / 2);
    Result<Multistatus> ms = parse_multistatus(body);
    REQUIRE_FALSE(ms.is_ok());
    CHECK(ms.status().kind() == ErrorKind::kMalformed);
  }
  SUBCASE("empty") {
    CHECK(parse_multistatus("").status().kind() == ErrorKind::kMalformed);
    CHECK(parse_multistatus("  \r\n").status().kind() == ErrorKind::kMalformed);
  }
  SUBCASE("wrong root") {
    Result<Multistatus> ms = parse_multistatus("<multistatus/>");  // no DAV: namespace
    REQUIRE_FALSE(ms.is_ok());
    CHECK(ms.status().message().find("DAV:multistatus") != std::string::npos);
  }
  SUBCASE("response without href") {
    Result<Multistatus> ms = parse_multistatus(
        "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:status>HTTP/1.1 200 OK</d:status>"
        "</d:response></d:multistatus>");
    REQUIRE_FALSE(ms.is_ok());
    CHECK(ms.status().message().find("without DAV:href") != std::string::npos);
  }
  SUBCASE("entity expansion bomb is refused before expansion") {
    const char* bomb = R"(<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY e "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>&e;</d:href></d:response></d:multistatus>)";
    Result<Multistatus> ms = parse_multistatus(bomb);
    REQUIRE_FALSE(ms.is_ok());
    CHECK(ms.status().message().find("DOCTYPE") != std::string::npos);
  }
  SUBCASE("external entity is never fetched") {
    const char* xxe = R"(<?xml version="1.0"?>
<!DOCTYPE d SYSTEM "http://127.0.0.1:1/x.dtd">
<d:multistatus xmlns:d="DAV:"/>)";
    CHECK(parse_multistatus(xxe).status().kind() == ErrorKind::kMalformed);
  }
  SUBCASE("nesting deeper than the limit") {
    std::string body = "<d:multistatus xmlns:d=\"DAV:\">";
    for (int i = 0; i < kMaxDavXmlDepth + 5; ++i) body += "<x>";
    for (int i = 0; i < kMaxDavXmlDepth + 5; ++i) body += "</x>";
    body += "</d:multistatus>";
    Result<Multistatus> ms = parse_multistatus(body);
    REQUIRE_FALSE(ms.is_ok());
    CHECK(ms.status().kind() == ErrorKind::kMalformed);
    CHECK(ms.status().message().find("deeper") != std::string::npos);
  }
  SUBCASE("absurd nesting is refused by libxml2 itself, without a crash") {
    std::string body = "<d:multistatus xmlns:d=\"DAV:\">";
    for (int i = 0; i < 100000; ++i) body += "<x>";
    CHECK(parse_multistatus(body).status().kind() == ErrorKind::kMalformed);
  }
}

TEST_CASE("oversized bodies are refused before parsing") {
  std::string body = testing::kRadicaleHomeListing;
  Result<Multistatus> ms = parse_multistatus(body, body.size() - 1);
  REQUIRE_FALSE(ms.is_ok());
  CHECK(ms.status().kind() == ErrorKind::kTooLarge);
  CHECK(parse_multistatus(body, body.size()).is_ok());
}

TEST_CASE("parse_dav_status_line") {
  CHECK(parse_dav_status_line("HTTP/1.1 200 OK") == 200);
  CHECK(parse_dav_status_line("HTTP/1.1 404 Not Found") == 404);
  CHECK(parse_dav_status_line("HTTP/1.1 507") == 507);
  CHECK(parse_dav_status_line("HTTP/1.1 20") == 0);
  CHECK(parse_dav_status_line("HTTP/1.1 2000 OK") == 0);
  CHECK(parse_dav_status_line("200 OK") == 0);
  CHECK(parse_dav_status_line("") == 0);
}

TEST_CASE("propfind_body declares every namespace it uses") {
  const std::string body = propfind_body({{std::string(kDavNs), "resourcetype"},
                                          {std::string(kCalendarServerNs), "getctag"},
                                          {"http://apple.com/ns/ical/", "calendar-color"}});
  CHECK(body.find("<D:resourcetype/>") != std::string::npos);
  CHECK(body.find("<CS:getctag/>") != std::string::npos);
  CHECK(body.find("xmlns:X0=\"http://apple.com/ns/ical/\"") != std::string::npos);
  CHECK(body.find("<X0:calendar-color/>") != std::string::npos);
}

}  // namespace
}  // namespace easgate
