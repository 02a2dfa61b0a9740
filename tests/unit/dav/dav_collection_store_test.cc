#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "backends/dav/dav_collection_store.h"
#include "tests/unit/dav/dav_samples.h"
#include "tests/unit/dav/scripted_http_server.h"
#include "tests/unit/dav/test_loop.h"

namespace easgate {
namespace {

using testing::RecordedRequest;
using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using testing::TestLoop;

const char kRadicalePrincipal[] =
    R"(<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:"><response><href>/</href><propstat><prop><current-user-principal><href>/alice/</href></current-user-principal></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>)";
const char kRadicaleHomeSets[] =
    R"(<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav"><response><href>/alice/</href><propstat><prop><C:calendar-home-set><href>/alice/</href></C:calendar-home-set><CR:addressbook-home-set><href>/alice/</href></CR:addressbook-home-set></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>)";
const char kNoPrincipal[] =
    R"(<d:multistatus xmlns:d="DAV:"><d:response><d:href>/</d:href><d:propstat><d:prop><d:current-user-principal/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response></d:multistatus>)";

// Answers like Radicale: the principal is /<user>/ and is also both homes.
ScriptedReply radicale(const RecordedRequest& req, const std::string& user) {
  const std::string home = "/" + user + "/";
  if (req.method != "PROPFIND") return {405, {}, ""};
  if (req.target == "/") return {207, {}, kRadicalePrincipal};
  if (req.target == home && req.header("Depth") == "0") return {207, {}, kRadicaleHomeSets};
  if (req.target == home && req.header("Depth") == "1") {
    return {207, {}, testing::kRadicaleHomeListing};
  }
  return {404, {}, ""};
}

struct Outcome {
  std::optional<Result<std::vector<DavCollection>>> result;
  bool done = false;
};

Result<std::vector<DavCollection>> discover(TestLoop& loop, DavCollectionStore& store,
                                            Credentials creds) {
  Outcome out;
  store.list_collections(creds, [&](Result<std::vector<DavCollection>> r) {
    out.result.emplace(std::move(r));
    out.done = true;
  });
  CHECK_FALSE(out.done);  // never inline
  REQUIRE(loop.run_until(out.done));
  return std::move(*out.result);
}

DavOptions options_for(const ScriptedHttpServer& server, DavLoginMode mode) {
  DavOptions o;
  o.base_url = server.url("/");
  o.login_mode = mode;
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

TEST_CASE("Radicale discovery: three PROPFINDs, local-part login, four collections") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.set_fallback([](const RecordedRequest& r) { return radicale(r, "alice"); });
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server, DavLoginMode::kLocalPart));
  auto r = discover(loop, store, {"alice@example.test", "secret"});
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 4);
  CHECK((*r)[0].href == "/alice/calendar/");
  CHECK((*r)[0].kind == CollectionKind::kCalendar);
  CHECK((*r)[0].is_default);
  CHECK((*r)[3].href == "/alice/work/");
  CHECK_FALSE((*r)[3].is_default);

  const auto& reqs = server.requests();
  REQUIRE(reqs.size() == 3);  // both home sets name /alice/: listed once
  CHECK(reqs[0].target == "/");
  CHECK(reqs[0].header("Depth") == "0");
  CHECK(reqs[0].body.find("current-user-principal") != std::string::npos);
  CHECK(reqs[1].target == "/alice/");
  CHECK(reqs[1].header("Depth") == "0");
  CHECK(reqs[1].body.find("calendar-home-set") != std::string::npos);
  CHECK(reqs[1].body.find("addressbook-home-set") != std::string::npos);
  CHECK(reqs[2].header("Depth") == "1");
  for (const char* p : {"resourcetype", "displayname", "supported-calendar-component-set",
                        "sync-token", "getctag"}) {
    CHECK(reqs[2].body.find(p) != std::string::npos);
  }
  for (const auto& q : reqs) {
    CHECK(q.method == "PROPFIND");
    CHECK(q.header("Authorization") == "Basic YWxpY2U6c2VjcmV0");  // alice:secret
    CHECK(q.connection == 1);
  }
}

TEST_CASE("without current-user-principal the principal is /<login>/") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.set_fallback([](const RecordedRequest& r) {
    if (r.target == "/") return ScriptedReply{207, {}, kNoPrincipal};
    // The fallback principal names /alice/ as its homes, like kRadicaleHomeSets.
    if (r.target == "/alice@example.test/") return ScriptedReply{207, {}, kRadicaleHomeSets};
    return radicale(r, "alice");
  });
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server, DavLoginMode::kFullAddress));
  auto r = discover(loop, store, {"alice@example.test", "secret"});
  REQUIRE(r.is_ok());
  CHECK(r->size() == 4);
  REQUIRE(server.requests().size() == 3);
  CHECK(server.requests()[1].target == "/alice@example.test/");
  // alice@example.test:secret
  CHECK(server.requests()[1].header("Authorization") == "Basic YWxpY2VAZXhhbXBsZS50ZXN0OnNlY3JldA==");
}

TEST_CASE("Nextcloud layout: separate homes, absolute hrefs, .well-known redirect") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  server.set_fallback([host](const RecordedRequest& r) -> ScriptedReply {
    if (r.target == "/.well-known/caldav") return {301, {{"Location", "/remote.php/dav/"}}, ""};
    if (r.target == "/remote.php/dav/") {
      return {207, {}, R"(<d:multistatus xmlns:d="DAV:"><d:response><d:href>/remote.php/dav/</d:href><d:propstat><d:prop><d:current-user-principal><d:href>/remote.php/dav/principals/users/alice/</d:href></d:current-user-principal></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>)"};
    }
    if (r.target == "/remote.php/dav/principals/users/alice/") {
      return {207, {}, "<d:multistatus xmlns:d=\"DAV:\" xmlns:cal=\"urn:ietf:params:xml:ns:caldav\" xmlns:card=\"urn:ietf:params:xml:ns:carddav\"><d:response><d:href>/remote.php/dav/principals/users/alice/</d:href><d:propstat><d:prop><cal:calendar-home-set><d:href>/remote.php/dav/calendars/alice/</d:href></cal:calendar-home-set><card:addressbook-home-set><d:href>http://" + host + "/remote.php/dav/addressbooks/users/alice/</d:href></card:addressbook-home-set></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"};
    }
    if (r.target == "/remote.php/dav/calendars/alice/") {
      std::string body = testing::kNextcloudCalendarHome;
      body.replace(body.find("HOST"), 4, host);
      return {207, {}, body};
    }
    if (r.target == "/remote.php/dav/addressbooks/users/alice/") {
      return {207, {}, testing::kNextcloudAddressbookHome};
    }
    return {404, {}, ""};
  });
  HttpClient http(loop.base());
  DavOptions o = options_for(server, DavLoginMode::kFullAddress);
  o.base_url = server.url("/.well-known/caldav");
  DavCollectionStore store(&http, o);
  auto r = discover(loop, store, {"alice", "secret"});
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 5);
  int calendars = 0, tasks = 0, contacts = 0, defaults = 0;
  for (const auto& c : *r) {
    calendars += c.kind == CollectionKind::kCalendar;
    tasks += c.kind == CollectionKind::kTasks;
    contacts += c.kind == CollectionKind::kContacts;
    defaults += c.is_default;
  }
  CHECK(calendars == 1);
  CHECK(tasks == 2);
  CHECK(contacts == 2);
  CHECK(defaults == 3);
  CHECK((*r)[0].href == "/remote.php/dav/addressbooks/users/alice/contacts/");
  CHECK((*r)[0].is_default);
  CHECK(server.requests().size() == 5);
}

TEST_CASE("errors: 401, unreachable, 500 on a home, malformed listing") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  HttpClient http(loop.base());

  SUBCASE("401 is auth_failed and stops discovery") {
    server.set_fallback([](const RecordedRequest&) { return ScriptedReply{401, {}, ""}; });
    DavCollectionStore store(&http, options_for(server, DavLoginMode::kLocalPart));
    auto r = discover(loop, store, {"alice@example.test", "wrong"});
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kAuthFailed);
    CHECK(server.requests().size() == 1);
  }
  SUBCASE("connection refused is backend_unavailable") {
    DavOptions o = options_for(server, DavLoginMode::kLocalPart);
    o.base_url = "http://127.0.0.1:" + std::to_string(testing::unused_local_port()) + "/";
    DavCollectionStore store(&http, o);
    auto r = discover(loop, store, {"alice@example.test", "secret"});
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kBackendUnavailable);
  }
  SUBCASE("500 on the home listing is backend_error") {
    server.set_fallback([](const RecordedRequest& r) {
      if (r.header("Depth") == "1") return ScriptedReply{500, {}, "boom"};
      return radicale(r, "alice");
    });
    DavCollectionStore store(&http, options_for(server, DavLoginMode::kLocalPart));
    auto r = discover(loop, store, {"alice@example.test", "secret"});
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kBackendError);
    CHECK(r.status().message().find("500") != std::string::npos);
  }
  SUBCASE("a malformed listing is malformed") {
    server.set_fallback([](const RecordedRequest& r) {
      if (r.header("Depth") == "1") return ScriptedReply{207, {}, "<multistatus xmlns=\"DAV:\"><resp"};
      return radicale(r, "alice");
    });
    DavCollectionStore store(&http, options_for(server, DavLoginMode::kLocalPart));
    auto r = discover(loop, store, {"alice@example.test", "secret"});
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kMalformed);
  }
  SUBCASE("a timeout is timeout") {
    server.set_fallback([](const RecordedRequest& r) {
      if (r.header("Depth") == "1") {
        ScriptedReply hang;
        hang.hang = true;
        return hang;
      }
      return radicale(r, "alice");
    });
    DavOptions o = options_for(server, DavLoginMode::kLocalPart);
    o.timeout = std::chrono::milliseconds(150);
    DavCollectionStore store(&http, o);
    auto r = discover(loop, store, {"alice@example.test", "secret"});
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kTimeout);
  }
}

TEST_CASE("a destroyed store never calls back") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.set_fallback([](const RecordedRequest& r) { return radicale(r, "alice"); });
  HttpClient http(loop.base());
  bool called = false;
  {
    DavCollectionStore store(&http, options_for(server, DavLoginMode::kLocalPart));
    store.list_collections({"alice", "secret"}, [&](auto) { called = true; });
  }
  // The discovery's first PROPFIND still completes; its answer must go nowhere, and no
  // further request may follow it.
  REQUIRE(loop.run_until_true([&] { return http.in_flight() == 0; }));
  CHECK(server.requests().size() == 1);
  CHECK_FALSE(called);
}

TEST_CASE("the principal and homes are cached per login; the listing always runs") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  bool moved = false;  // the server moved alice's home to /homes/alice/
  server.set_fallback([&moved](const RecordedRequest& r) {
    if (!moved) return radicale(r, "alice");
    if (r.target == "/alice/" && r.header("Depth") == "0") {
      std::string sets = kRadicaleHomeSets;
      for (size_t at; (at = sets.find("<href>/alice/</href></C:")) != std::string::npos ||
                      (at = sets.find("<href>/alice/</href></CR:")) != std::string::npos;)
        sets.replace(at, 20, "<href>/homes/alice/</href>");
      return ScriptedReply{207, {}, sets};
    }
    if (r.target == "/homes/alice/") return ScriptedReply{207, {}, testing::kRadicaleHomeListing};
    if (r.target == "/") return radicale(r, "alice");
    return ScriptedReply{404, {}, ""};
  });
  HttpClient http(loop.base());

  SUBCASE("a second discovery is one PROPFIND Depth:1") {
    DavCollectionStore store(&http, options_for(server, DavLoginMode::kLocalPart));
    REQUIRE(discover(loop, store, {"alice@example.test", "secret"}).is_ok());
    REQUIRE(server.requests().size() == 3);
    auto again = discover(loop, store, {"alice@example.test", "secret"});
    REQUIRE(again.is_ok());
    CHECK(again->size() == 4);
    REQUIRE(server.requests().size() == 4);
    CHECK(server.requests()[3].target == "/alice/");
    CHECK(server.requests()[3].header("Depth") == "1");
  }
  SUBCASE("ttl 0 discovers every time") {
    DavOptions o = options_for(server, DavLoginMode::kLocalPart);
    o.home_cache_ttl = std::chrono::seconds(0);
    DavCollectionStore store(&http, o);
    REQUIRE(discover(loop, store, {"alice@example.test", "secret"}).is_ok());
    REQUIRE(discover(loop, store, {"alice@example.test", "secret"}).is_ok());
    CHECK(server.requests().size() == 6);
  }
  SUBCASE("a cached home answering 404 is discovered again, once") {
    DavCollectionStore store(&http, options_for(server, DavLoginMode::kLocalPart));
    REQUIRE(discover(loop, store, {"alice@example.test", "secret"}).is_ok());
    moved = true;
    auto r = discover(loop, store, {"alice@example.test", "secret"});
    // The cached /alice/ answered 404: principal and home sets were asked again.
    REQUIRE(r.is_ok());
    const auto& reqs = server.requests();
    REQUIRE(reqs.size() == 7);
    CHECK(reqs[3].target == "/alice/");
    CHECK(reqs[3].header("Depth") == "1");
    CHECK(reqs[4].target == "/");
    CHECK(reqs[5].target == "/alice/");
    CHECK(reqs[5].header("Depth") == "0");
    CHECK(reqs[6].target == "/homes/alice/");
    // The new homes are cached in turn.
    REQUIRE(discover(loop, store, {"alice@example.test", "secret"}).is_ok());
    REQUIRE(reqs.size() == 8);
    CHECK(reqs[7].target == "/homes/alice/");
  }
  SUBCASE("a failed run forgets the cached homes") {
    DavCollectionStore store(&http, options_for(server, DavLoginMode::kLocalPart));
    REQUIRE(discover(loop, store, {"alice@example.test", "secret"}).is_ok());
    server.set_fallback([](const RecordedRequest& r) {
      if (r.header("Depth") == "1") return ScriptedReply{500, {}, "boom"};
      return radicale(r, "alice");
    });
    REQUIRE_FALSE(discover(loop, store, {"alice@example.test", "secret"}).is_ok());
    size_t before = server.requests().size();
    server.set_fallback([](const RecordedRequest& r) { return radicale(r, "alice"); });
    REQUIRE(discover(loop, store, {"alice@example.test", "secret"}).is_ok());
    CHECK(server.requests().size() == before + 3);  // principal, home sets, listing
  }
}

TEST_CASE("dav_login_name") {
  CHECK(dav_login_name(DavLoginMode::kLocalPart, "alice@example.test") == "alice");
  CHECK(dav_login_name(DavLoginMode::kLocalPart, "alice") == "alice");
  CHECK(dav_login_name(DavLoginMode::kFullAddress, "alice@example.test") == "alice@example.test");
}

}  // namespace
}  // namespace easgate
