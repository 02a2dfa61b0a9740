#include "gateway/http/http1_parser.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace easgate {
namespace {

struct Parsed {
  Http1ParseResult result = Http1ParseResult::kNeedMore;  // last result
  int http_status = 0;                                    // error status, 0 when none
  std::string message;                                    // error message
  HttpRequest request;                                    // the request when complete
  size_t consumed = 0;                                    // bytes used by this request
  bool saw_headers_done = false;                          // kHeadersDone was returned
  bool expects_continue = false;
  bool keep_alive = false;
};

// Feeds `input` in pieces of `piece` bytes (0: all at once) until complete or error.
Parsed parse(const std::string& input, size_t piece = 0, Http1Limits limits = {}) {
  Http1Parser parser(limits);
  Parsed out;
  size_t pos = 0;
  size_t offered_end = piece == 0 ? input.size() : std::min(input.size(), piece);
  while (true) {
    size_t used = 0;
    Http1ParseResult r =
        parser.feed(std::string_view(input).substr(pos, offered_end - pos), &used);
    pos += used;
    out.result = r;
    if (r == Http1ParseResult::kHeadersDone) {
      out.saw_headers_done = true;
      out.expects_continue = parser.expects_continue();
      continue;
    }
    if (r == Http1ParseResult::kComplete) {
      out.keep_alive = parser.keep_alive();
      out.request = parser.take_request();
      break;
    }
    if (r == Http1ParseResult::kError) {
      out.http_status = parser.error().http_status();
      out.message = parser.error().message();
      break;
    }
    REQUIRE(pos == offered_end);  // kNeedMore consumes everything offered
    if (offered_end == input.size()) break;
    offered_end = piece == 0 ? input.size() : std::min(input.size(), offered_end + piece);
  }
  out.consumed = pos;
  return out;
}

TEST_CASE("parser: valid requests, whole and byte by byte") {
  struct Case {
    const char* name;
    std::string input;
    std::string method, path, query, body;
    int version_minor;
    bool keep_alive;
  };
  const std::vector<Case> cases = {
      {"simple GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/", "", "", 1, true},
      {"EAS POST with query",
       "POST /Microsoft-Server-ActiveSync?Cmd=Sync&User=a HTTP/1.1\r\nHost: a\r\n"
       "Content-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: 5\r\n\r\nhello",
       "POST", "/Microsoft-Server-ActiveSync", "Cmd=Sync&User=a", "hello", 1, true},
      {"bare LF line ends", "GET /x HTTP/1.1\nHost: a\n\n", "GET", "/x", "", "", 1, true},
      {"leading blank line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET", "/", "", "", 1, true},
      {"HTTP/1.0 defaults to close", "GET / HTTP/1.0\r\n\r\n", "GET", "/", "", "", 0, false},
      {"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET", "/", "",
       "", 0, true},
      {"HTTP/1.1 close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n", "GET", "/", "",
       "", 1, false},
      {"chunked with extension and trailer",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
       "POST", "/", "", "hello world", 1, true},
      {"chunked upper-case hex", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
       "A\r\n0123456789\r\n0\r\n\r\n", "POST", "/", "", "0123456789", 1, true},
      {"equal Content-Length list",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nab", "POST",
       "/", "", "ab", 1, true},
      {"absolute-form", "OPTIONS https://h.example/Microsoft-Server-ActiveSync?x=1 HTTP/1.1\r\nHost: h\r\n\r\n",
       "OPTIONS", "/Microsoft-Server-ActiveSync", "x=1", "", 1, true},
      {"asterisk OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "OPTIONS", "*", "", "", 1, true},
      {"value OWS trimmed, obs-text kept", "GET / HTTP/1.1\r\nHost: a\r\nX-A: \t v\xe9 \r\n\r\n",
       "GET", "/", "", "", 1, true},
  };
  for (const Case& c : cases) {
    for (size_t piece : {size_t{0}, size_t{1}, size_t{7}}) {
      CAPTURE(c.name);
      CAPTURE(piece);
      Parsed p = parse(c.input, piece);
      REQUIRE(p.result == Http1ParseResult::kComplete);
      CHECK(p.consumed == c.input.size());
      CHECK(p.request.method == c.method);
      CHECK(p.request.path == c.path);
      CHECK(p.request.query == c.query);
      CHECK(p.request.body == c.body);
      CHECK(p.request.version_minor == c.version_minor);
      CHECK(p.keep_alive == c.keep_alive);
    }
  }
  Parsed p = parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: \t v \r\n\r\n");
  REQUIRE(p.request.headers.find("x-a") != nullptr);
  CHECK(*p.request.headers.find("x-a") == "v");
}

TEST_CASE("parser: malformed and over-limit requests") {
  Http1Limits small;
  small.max_header_bytes = 64;
  small.max_body_bytes = 10;
  small.max_header_count = 3;
  struct Case {
    const char* name;
    std::string input;
    int status;
    Http1Limits limits;
  };
  const std::string big_header = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(100, 'v') + "\r\n\r\n";
  const std::vector<Case> cases = {
      {"no version", "GET /\r\n\r\n", 400, {}},
      {"double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, {}},
      {"bad method char", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, {}},
      {"HTTP/2.0 line", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, {}},
      {"garbage version", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400, {}},
      {"control char in target", std::string("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), 400, {}},
      {"fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400, {}},
      {"authority-form", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 400, {}},
      {"asterisk for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, {}},
      {"folded header", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  continued\r\n\r\n", 400, {}},
      {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, {}},
      {"no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400, {}},
      {"NUL in value", std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a") + '\0' + "b\r\n\r\n", 400, {}},
      {"bare CR", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400, {}},
      {"missing Host on 1.1", "GET / HTTP/1.1\r\n\r\n", 400, {}},
      {"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, {}},
      {"conflicting Content-Length",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 400, {}},
      {"conflicting Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 3\r\n\r\n",
       400, {}},
      {"signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\nab", 400, {}},
      {"empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400, {}},
      {"CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
       400, {}},
      {"gzip coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, {}},
      {"chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, {}},
      {"TE on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, {}},
      {"bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, {}},
      {"chunk size overflow",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n", 400, {}},
      {"chunk data without CRLF",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY\r\n", 400, {}},
      {"unknown expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417, {}},
      {"too many blank lines", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, {}},
      {"header section too large", big_header, 431, small},
      {"request line too large", "GET /" + std::string(100, 'a') + " HTTP/1.1\r\n", 431, small},
      {"too many headers", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431, small},
      {"Content-Length over limit", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 413, small},
      {"Content-Length overflow",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413, {}},
      {"chunked body over limit",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n", 413, small},
      {"trailer too large",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + std::string(60, 'x') +
           "\r\n\r\n", 431, small},
  };
  for (const Case& c : cases) {
    for (size_t piece : {size_t{0}, size_t{1}}) {
      CAPTURE(c.name);
      CAPTURE(piece);
      Parsed p = parse(c.input, piece, c.limits);
      CHECK(p.result == Http1ParseResult::kError);
      CHECK(p.http_status == c.status);
      CHECK(!p.message.empty());
    }
  }
}

TEST_CASE("parser: incomplete input asks for more and never completes") {
  for (const char* input : {"GET / HTTP/1.1\r\nHost: a\r\n", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab",
                            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"}) {
    CAPTURE(input);
    Parsed p = parse(input, 1);
    CHECK(p.result == Http1ParseResult::kNeedMore);
  }
}

TEST_CASE("parser: 100-continue is reported after headers, before the body") {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n";
  Http1Limits limits;
  Http1Parser parser(limits);
  size_t used = 0;
  REQUIRE(parser.feed(head + "abc", &used) == Http1ParseResult::kHeadersDone);
  CHECK(used == head.size());
  CHECK(parser.expects_continue());
  CHECK(parser.has_body());
  REQUIRE(parser.feed("abc", &used) == Http1ParseResult::kComplete);
  CHECK(parser.request().body == "abc");

  // No body: nothing to wait for; HTTP/1.0: the expectation is ignored (RFC 9110 10.1.1).
  Parsed no_body = parse("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n");
  CHECK(no_body.result == Http1ParseResult::kComplete);
  CHECK_FALSE(no_body.saw_headers_done);
  Parsed http10 = parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
  CHECK(http10.saw_headers_done);
  CHECK_FALSE(http10.expects_continue);
}

TEST_CASE("parser: pipelined requests are consumed one at a time") {
  const std::string first = "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab";
  const std::string second = "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string all = first + second;
  Http1Limits limits;
  Http1Parser parser(limits);
  size_t used = 0;
  REQUIRE(parser.feed(all, &used) == Http1ParseResult::kHeadersDone);
  size_t total = used;
  REQUIRE(parser.feed(std::string_view(all).substr(total), &used) == Http1ParseResult::kComplete);
  total += used;
  CHECK(total == first.size());
  CHECK(parser.request().path == "/1");
  // Complete is sticky until reset(): the next request's bytes are not touched.
  CHECK(parser.feed(std::string_view(all).substr(total), &used) == Http1ParseResult::kComplete);
  CHECK(used == 0);
  parser.reset();
  REQUIRE(parser.feed(std::string_view(all).substr(total), &used) == Http1ParseResult::kComplete);
  CHECK(used == second.size());
  CHECK(parser.request().path == "/2");
}

TEST_CASE("parser: limits are exact") {
  Http1Limits limits;
  const std::string req = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  limits.max_header_bytes = req.size();
  CHECK(parse(req, 0, limits).result == Http1ParseResult::kComplete);
  limits.max_header_bytes = req.size() - 1;
  CHECK(parse(req, 0, limits).http_status == 431);
  limits = {};
  limits.max_body_bytes = 3;
  CHECK(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 0, limits).result ==
        Http1ParseResult::kComplete);
  CHECK(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 1,
              limits).result == Http1ParseResult::kComplete);
  CHECK(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\n", 1,
              limits).http_status == 413);
}

}  // namespace
}  // namespace easgate
