// DavCollectionStore item operations against the scripted HTTP server: what goes on the
// wire (method, headers, body) and how each server answer is reported.

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "backends/dav/dav_collection_store.h"
#include "backends/dav/dav_item_xml.h"
#include "tests/unit/dav/scripted_http_server.h"
#include "tests/unit/dav/test_loop.h"

namespace easgate {
namespace {

using testing::RecordedRequest;
using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using testing::TestLoop;

const Credentials kAlice{"alice@example.test", "secret"};
const char kBook[] = "/alice/book/";

DavOptions options_for(const ScriptedHttpServer& server) {
  DavOptions o;
  o.base_url = server.url("/");
  o.login_mode = DavLoginMode::kLocalPart;
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

// Runs one call that reports through a callback taking T, and returns what it reported.
template <typename T, typename Start>
T run(TestLoop& loop, Start start) {
  std::optional<T> out;
  start([&](T r) { out.emplace(std::move(r)); });
  CHECK_FALSE(out.has_value());  // never inline
  REQUIRE(loop.run_until_true([&] { return out.has_value(); }));
  return std::move(*out);
}

const char kSyncAnswer[] =
    R"(<?xml version="1.0" encoding="utf-8"?>
<d:multistatus xmlns:d="DAV:">
 <d:response><d:href>http://ignored.example/alice/book/new.vcf</d:href>
  <d:propstat><d:prop><d:getetag>"e1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/alice/book/gone.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
 <d:response><d:href>/alice/book/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>
 <d:sync-token>http://example/sync/2</d:sync-token>
</d:multistatus>)";

TEST_CASE("sync-collection: changed, removed, truncated, new token; request as RFC 6578 says") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("REPORT", kBook, {207, {}, kSyncAnswer});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  auto r = run<Result<DavChanges>>(loop, [&](auto cb) {
    store.sync_changes(kAlice, kBook, "http://example/sync/1&x", {}, cb);
  });
  REQUIRE(r.is_ok());
  REQUIRE(r->changed.size() == 1);
  CHECK(r->changed[0] == DavItemRef{"/alice/book/new.vcf", "\"e1\""});
  CHECK(r->removed == std::vector<std::string>{"/alice/book/gone.vcf"});
  CHECK(r->truncated);
  CHECK(r->sync_token == "http://example/sync/2");
  CHECK_FALSE(r->token_invalid);
  const RecordedRequest& req = server.requests().back();
  CHECK(req.header("Depth") == "0");
  CHECK(req.body.find("<D:sync-token>http://example/sync/1&amp;x</D:sync-token>") !=
        std::string::npos);
  CHECK(req.body.find("<D:getetag/>") != std::string::npos);
}

TEST_CASE("sync-collection: a refused token asks the caller to start over") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("REPORT", kBook,
            {403, {}, R"(<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>)"});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  auto r = run<Result<DavChanges>>(
      loop, [&](auto cb) { store.sync_changes(kAlice, kBook, "stale", {}, cb); });
  REQUIRE(r.is_ok());
  CHECK(r->token_invalid);
  // A 403 without that precondition is a real refusal.
  server.on("REPORT", kBook, {403, {}, "no"});
  auto f = run<Result<DavChanges>>(
      loop, [&](auto cb) { store.sync_changes(kAlice, kBook, "t", {}, cb); });
  CHECK(f.status().kind() == ErrorKind::kForbidden);
}

TEST_CASE("without sync-collection: PROPFIND listing diffed against the snapshot") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("REPORT", kBook, {501, {}, ""});
  server.on("PROPFIND", kBook, {207, {}, R"(<d:multistatus xmlns:d="DAV:">
<d:response><d:href>/alice/book/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/alice/book/same.vcf</d:href><d:propstat><d:prop><d:getetag>"s"</d:getetag><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/alice/book/edited.vcf</d:href><d:propstat><d:prop><d:getetag>"e2"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/alice/book/added.vcf</d:href><d:propstat><d:prop><d:getetag>"a"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
</d:multistatus>)"});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  const std::vector<DavItemRef> snapshot = {{"/alice/book/same.vcf", "\"s\""},
                                            {"/alice/book/edited.vcf", "\"e1\""},
                                            {"/alice/book/deleted.vcf", "\"d\""}};
  auto r = run<Result<DavChanges>>(
      loop, [&](auto cb) { store.sync_changes(kAlice, kBook, "", snapshot, cb); });
  REQUIRE(r.is_ok());
  CHECK(r->from_listing);
  CHECK(r->changed == std::vector<DavItemRef>{{"/alice/book/edited.vcf", "\"e2\""},
                                              {"/alice/book/added.vcf", "\"a\""}});
  CHECK(r->removed == std::vector<std::string>{"/alice/book/deleted.vcf"});
  CHECK(r->listing.size() == 3);
  CHECK(server.requests().back().header("Depth") == "1");
}

TEST_CASE("addressbook-multiget: bodies and ETags; a vanished member is left out") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("REPORT", kBook, {207, {}, R"(<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">
<d:response><d:href>/alice/book/a.vcf</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag><c:address-data>BEGIN:VCARD&#13;
VERSION:3.0&#13;
END:VCARD&#13;
</c:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/alice/book/b.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
</d:multistatus>)"});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  auto r = run<Result<std::vector<DavItem>>>(loop, [&](auto cb) {
    store.fetch_items(kAlice, kBook, CollectionKind::kContacts,
                      {"/alice/book/a.vcf", "/alice/book/b.vcf"}, cb);
  });
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].href == "/alice/book/a.vcf");
  CHECK((*r)[0].etag == "\"1\"");
  CHECK((*r)[0].body == "BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n");
  const std::string& body = server.requests().back().body;
  CHECK(body.find("addressbook-multiget") != std::string::npos);
  CHECK(body.find("<D:href>/alice/book/b.vcf</D:href>") != std::string::npos);
}

TEST_CASE("multiget unsupported: one GET per item") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("REPORT", "/alice/cal/", {405, {}, ""});
  server.on("GET", "/alice/cal/x.ics", {200, {{"ETag", "\"x1\""}}, "BEGIN:VCALENDAR\r\n"});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  auto r = run<Result<std::vector<DavItem>>>(loop, [&](auto cb) {
    store.fetch_items(kAlice, "/alice/cal/", CollectionKind::kCalendar,
                      {"/alice/cal/x.ics", "/alice/cal/missing.ics"}, cb);
  });
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].etag == "\"x1\"");
  CHECK(server.requests().size() == 3);
}

TEST_CASE("addressbook-query: anyof FN/EMAIL text-match, bodies back; unsupported is kUnsupported") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("REPORT", kBook, {207, {}, R"(<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">
<d:response><d:href>/alice/book/a.vcf</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag><c:address-data>BEGIN:VCARD&#13;
FN:Amy&#13;
END:VCARD&#13;
</c:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
</d:multistatus>)"});
  server.on("REPORT", "/alice/old/", {403, {}, "<d:error xmlns:d=\"DAV:\"><d:supported-report/></d:error>"});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  DavTextQuery q;
  q.terms = {{"FN", "a<b"}, {"EMAIL", "a<b"}};
  q.match = DavTextQuery::Match::kStartsWith;
  auto r = run<Result<std::vector<DavItem>>>(loop, [&](auto cb) {
    store.query_items(kAlice, kBook, CollectionKind::kContacts, q, cb);
  });
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].href == "/alice/book/a.vcf");
  CHECK((*r)[0].body == "BEGIN:VCARD\r\nFN:Amy\r\nEND:VCARD\r\n");
  const std::string& body = server.requests().back().body;
  CHECK(body.find("<C:addressbook-query") != std::string::npos);
  CHECK(body.find("<C:filter test=\"anyof\">") != std::string::npos);
  CHECK(body.find("<C:prop-filter name=\"EMAIL\"><C:text-match match-type=\"starts-with\">a&lt;b"
                  "</C:text-match>") != std::string::npos);
  auto old = run<Result<std::vector<DavItem>>>(loop, [&](auto cb) {
    store.query_items(kAlice, "/alice/old/", CollectionKind::kContacts, q, cb);
  });
  CHECK(old.status().kind() == ErrorKind::kUnsupported);
}

TEST_CASE("calendar-query by UID: a VEVENT comp-filter with a UID prop-filter") {
  DavTextQuery q;
  q.terms = {{"UID", "m-1@x"}};
  const std::string body = text_query_body(CollectionKind::kCalendar, q);
  CHECK(body.find("<C:calendar-query") != std::string::npos);
  CHECK(body.find("<C:comp-filter name=\"VCALENDAR\"><C:comp-filter name=\"VEVENT\">"
                  "<C:prop-filter name=\"UID\"><C:text-match>m-1@x</C:text-match>") !=
        std::string::npos);
}

TEST_CASE("PUT: If-None-Match for a new item, If-Match for a change, 412 is a conflict") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("PUT", "/alice/book/new%20one.vcf", {201, {{"ETag", "\"n1\""}}, ""});
  server.on("PUT", "/alice/book/old.vcf", {412, {}, ""});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  auto created = run<Result<DavItemRef>>(loop, [&](auto cb) {
    store.put_item(kAlice, kBook, {"new one.vcf", "BEGIN:VCARD", "text/vcard; charset=utf-8", ""}, cb);
  });
  REQUIRE(created.is_ok());
  CHECK(*created == DavItemRef{"/alice/book/new%20one.vcf", "\"n1\""});
  const RecordedRequest& put = server.requests().back();
  CHECK(put.header("If-None-Match") == "*");
  CHECK(put.header("If-Match").empty());
  CHECK(put.header("Content-Type") == "text/vcard; charset=utf-8");
  CHECK(put.body == "BEGIN:VCARD");
  auto stale = run<Result<DavItemRef>>(loop, [&](auto cb) {
    store.put_item(kAlice, kBook, {"/alice/book/old.vcf", "x", "text/vcard", "\"o1\""}, cb);
  });
  CHECK(stale.status().kind() == ErrorKind::kConflict);
  CHECK(server.requests().back().header("If-Match") == "\"o1\"");
}

TEST_CASE("DELETE: 204 ok, 412 conflict, 404 not found") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("DELETE", "/alice/book/a.vcf", {204, {}, ""});
  server.on("DELETE", "/alice/book/b.vcf", {412, {}, ""});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  auto del = [&](const char* href) {
    return run<Status>(loop, [&](auto cb) { store.delete_item(kAlice, href, "\"e\"", cb); });
  };
  CHECK(del("/alice/book/a.vcf").is_ok());
  CHECK(server.requests().back().header("If-Match") == "\"e\"");
  CHECK(del("/alice/book/b.vcf").kind() == ErrorKind::kConflict);
  CHECK(del("/alice/book/c.vcf").kind() == ErrorKind::kNotFound);
}

TEST_CASE("PROPPATCH displayname; a refused property is an error") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("PROPPATCH", kBook, {207, {}, R"(<d:multistatus xmlns:d="DAV:"><d:response><d:href>/alice/book/</d:href><d:propstat><d:prop><d:displayname/></d:prop><d:status>HTTP/1.1 403 Forbidden</d:status></d:propstat></d:response></d:multistatus>)"});
  HttpClient http(loop.base());
  DavCollectionStore store(&http, options_for(server));
  Status s = run<Status>(loop, [&](auto cb) { store.update_collection(kAlice, kBook, "A & B", cb); });
  CHECK(s.kind() == ErrorKind::kBackendError);
  CHECK(server.requests().back().body.find("<D:displayname>A &amp; B</D:displayname>") !=
        std::string::npos);
}

}  // namespace
}  // namespace easgate
