#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>

#include "backends/dav/http_client.h"
#include "tests/unit/dav/scripted_http_server.h"
#include "tests/unit/dav/test_loop.h"

namespace easgate {
namespace {

using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using testing::TestLoop;

// Starts `req` and runs the loop until its callback fired; checks it did not fire inline.
Result<HttpClientResponse> run(TestLoop& loop, HttpClient& client, HttpClientRequest req) {
  std::optional<Result<HttpClientResponse>> out;
  bool done = false;
  client.start(std::move(req), [&](Result<HttpClientResponse> r) {
    out.emplace(std::move(r));
    done = true;
  });
  CHECK_FALSE(done);  // never inline
  REQUIRE(loop.run_until(done));
  return std::move(*out);
}

TEST_CASE("GET: status, headers, body, effective URL") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("GET", "/x", {200, {{"ETag", "\"7\""}}, "hello"});
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.url = server.url("/x");
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->status == 200);
  CHECK(r->body == "hello");
  REQUIRE(r->headers.find("etag") != nullptr);
  CHECK(*r->headers.find("etag") == "\"7\"");
  CHECK(r->effective_url == server.url("/x"));
  CHECK(client.in_flight() == 0);
}

TEST_CASE("PROPFIND sends method, Depth, body, Content-Type and Basic credentials") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("PROPFIND", "/alice/", {207, {}, "<multistatus xmlns=\"DAV:\"/>"});
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.method = "PROPFIND";
  req.url = server.url("/alice/");
  req.headers.add("Depth", "1");
  req.headers.add("Content-Type", "application/xml; charset=utf-8");
  req.body = std::string(5000, 'x');  // above libcurl's Expect: 100-continue threshold
  req.user = "alice";
  req.password = "secret";
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->status == 207);
  REQUIRE(server.requests().size() == 1);
  const auto& got = server.requests()[0];
  CHECK(got.method == "PROPFIND");
  CHECK(got.target == "/alice/");
  CHECK(got.header("Depth") == "1");
  CHECK(got.header("Content-Type") == "application/xml; charset=utf-8");
  CHECK(got.header("Authorization") == "Basic YWxpY2U6c2VjcmV0");  // alice:secret
  CHECK(got.header("Expect").empty());
  CHECK(got.body == req.body);
}

TEST_CASE("no form Content-Type is invented, no credentials when none given") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("MKCOL", "/c/", {201, {}, ""});
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.method = "MKCOL";
  req.url = server.url("/c/");
  req.body = "<x/>";
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->status == 201);
  CHECK(server.requests()[0].header("Content-Type").empty());
  CHECK(server.requests()[0].header("Authorization").empty());
}

TEST_CASE("401 is auth_failed; 404 and 500 are responses") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("GET", "/locked", {401, {{"WWW-Authenticate", "Basic realm=\"x\""}}, ""});
  server.on("GET", "/broken", {500, {}, "oops"});
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.url = server.url("/locked");
  req.user = "alice";
  req.password = "wrong-password";
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kAuthFailed);
  CHECK(r.status().message().find("wrong-password") == std::string::npos);

  req.url = server.url("/missing");
  r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->status == 404);
  req.url = server.url("/broken");
  r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->status == 500);
  CHECK(r->body == "oops");
}

TEST_CASE("connection refused is backend_unavailable") {
  TestLoop loop;
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(testing::unused_local_port()) + "/";
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kBackendUnavailable);
}

TEST_CASE("a server that closes without answering is backend_unavailable") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  ScriptedReply close;
  close.close_connection = true;
  server.on("GET", "/", close);
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.url = server.url("/");
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kBackendUnavailable);
}

TEST_CASE("a server that never answers runs into the request timeout") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  ScriptedReply hang;
  hang.hang = true;
  server.on("REPORT", "/slow/", hang);
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.method = "REPORT";
  req.url = server.url("/slow/");
  req.timeout = std::chrono::milliseconds(150);
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kTimeout);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("body limit: too_large, from Content-Length or while streaming") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("GET", "/big", {200, {}, std::string(4096, 'a')});
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.url = server.url("/big");
  req.max_body_bytes = 1000;
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kTooLarge);
  req.max_body_bytes = 4096;
  r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->body.size() == 4096);
}

TEST_CASE("consecutive requests reuse one keep-alive connection") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("GET", "/a", {200, {}, "a"});
  server.on("GET", "/b", {200, {}, "b"});
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.url = server.url("/a");
  REQUIRE(run(loop, client, req).is_ok());
  req.url = server.url("/b");
  REQUIRE(run(loop, client, req).is_ok());
  REQUIRE(server.requests().size() == 2);
  CHECK(server.connections_accepted() == 1);
  CHECK(server.requests()[1].connection == 1);
}

TEST_CASE("bad URL or scheme fails later, not inline") {
  TestLoop loop;
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.url = "file:///etc/passwd";
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kInvalidArgument);
  req.url = "http://[::1";
  r = run(loop, client, req);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kInvalidArgument);
}

TEST_CASE("redirects are followed only when asked, keeping method and body") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("PROPFIND", "/.well-known/caldav", {301, {{"Location", "/dav/"}}, ""});
  server.on("PROPFIND", "/dav/", {207, {}, "<multistatus xmlns=\"DAV:\"/>"});
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.method = "PROPFIND";
  req.url = server.url("/.well-known/caldav");
  req.body = "<propfind/>";
  req.headers.add("Content-Type", "application/xml");
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->status == 301);
  req.follow_redirects = true;
  r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->status == 207);
  CHECK(r->effective_url == server.url("/dav/"));
  REQUIRE(server.requests().size() == 3);
  CHECK(server.requests()[2].method == "PROPFIND");
  CHECK(server.requests()[2].body == "<propfind/>");
}

TEST_CASE("cancel drops the callback; the client stays usable") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  ScriptedReply hang;
  hang.hang = true;
  server.on("GET", "/hang", hang);
  server.on("GET", "/ok", {200, {}, "ok"});
  HttpClient client(loop.base());
  HttpClientRequest req;
  req.url = server.url("/hang");
  bool cancelled_called = false;
  HttpClient::RequestId id =
      client.start(req, [&](Result<HttpClientResponse>) { cancelled_called = true; });
  CHECK(client.in_flight() == 1);
  client.cancel(id);
  CHECK(client.in_flight() == 0);
  req.url = server.url("/ok");
  Result<HttpClientResponse> r = run(loop, client, req);
  REQUIRE(r.is_ok());
  CHECK(r->body == "ok");
  CHECK_FALSE(cancelled_called);
}

TEST_CASE("a callback may start the next request or destroy the client") {
  TestLoop loop;
  ScriptedHttpServer server(loop.base());
  server.on("GET", "/1", {200, {}, "1"});
  server.on("GET", "/2", {200, {}, "2"});
  auto client = std::make_unique<HttpClient>(loop.base());
  HttpClientRequest req;
  req.url = server.url("/1");
  std::string second_body;
  bool done = false;
  client->start(req, [&](Result<HttpClientResponse> r) {
    REQUIRE(r.is_ok());
    HttpClientRequest next;
    next.url = server.url("/2");
    client->start(next, [&](Result<HttpClientResponse> r2) {
      REQUIRE(r2.is_ok());
      second_body = r2->body;
      client.reset();  // destroyed from inside its own callback
      done = true;
    });
  });
  REQUIRE(loop.run_until(done));
  CHECK(second_body == "2");
  CHECK(client == nullptr);
}

TEST_CASE("url_for_log strips userinfo") {
  CHECK(url_for_log("https://alice:secret@dav.example.test/x/") ==
        "https://dav.example.test/x/");
  CHECK(url_for_log("::::") == "<unparseable url>");
}

}  // namespace
}  // namespace easgate
