// The reply parser on its own: RFC 5321 4.2 syntax, limits, and bytes arriving in pieces.

#include "backends/smtp/smtp_reply_parser.h"

#include <doctest/doctest.h>

using namespace easgate;

namespace {

// Feeds `bytes` and returns every complete reply, or the first error.
Result<std::vector<SmtpReply>> parse_all(std::string_view bytes, SmtpReplyLimits limits = {}) {
  SmtpReplyParser p(limits);
  p.feed(bytes);
  std::vector<SmtpReply> out;
  for (;;) {
    auto r = p.next();
    if (!r) return r.status();
    if (!r->has_value()) return out;
    out.push_back(std::move(**r));
  }
}

}  // namespace

TEST_CASE("single-line and multi-line replies") {
  auto r = parse_all("220 mail.example.test ESMTP\r\n250-first\r\n250-\r\n250 last\r\n");
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].code == 220);
  CHECK((*r)[0].lines == std::vector<std::string>{"mail.example.test ESMTP"});
  CHECK((*r)[1].code == 250);
  CHECK((*r)[1].lines == std::vector<std::string>{"first", "", "last"});
  CHECK((*r)[1].klass() == 2);
  CHECK((*r)[1].summary() == "250 first /  / last");
}

TEST_CASE("a bare reply code is a complete reply") {
  auto r = parse_all("354\r\n");
  REQUIRE(r.is_ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].code == 354);
  CHECK((*r)[0].lines == std::vector<std::string>{""});
}

TEST_CASE("a reply split at every byte is assembled the same") {
  std::string bytes = "250-mail.example.test\r\n250-SIZE 100\r\n250 AUTH PLAIN\r\n221 bye\r\n";
  SmtpReplyParser p;
  std::vector<SmtpReply> got;
  for (char c : bytes) {
    p.feed(std::string_view(&c, 1));
    for (;;) {
      auto r = p.next();
      REQUIRE(r.is_ok());
      if (!r->has_value()) break;
      got.push_back(std::move(**r));
    }
  }
  REQUIRE(got.size() == 2);
  CHECK(got[0].lines.size() == 3);
  CHECK(got[1].code == 221);
  CHECK(p.buffered() == 0);
}

TEST_CASE("malformed replies are refused and the error sticks") {
  const std::string bad[] = {
      "25 short\r\n",               // two digits
      "650 bad first digit\r\n",    // first digit 2..5
      "260 bad second digit\r\n",   // second digit 0..5
      "2a0 letters\r\n",            // not digits
      "250_text\r\n",               // neither SP nor '-'
      "250 bare LF\n",              // LF without CR
      "250-a\r\n251 b\r\n",         // code changes inside a multi-line reply
      std::string("250 nul\0x\r\n", 11),  // control octet
      "\r\n",                       // empty line
  };
  for (const std::string& bytes : bad) {
    CAPTURE(bytes);
    SmtpReplyParser p;
    p.feed(bytes);
    auto r = p.next();
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == ErrorKind::kMalformed);
    p.feed("250 ok\r\n");
    CHECK_FALSE(p.next().is_ok());
  }
}

TEST_CASE("line and line-count limits") {
  SmtpReplyLimits limits;
  limits.max_line = 32;
  limits.max_lines = 3;
  CHECK(parse_all("250 " + std::string(26, 'x') + "\r\n", limits).is_ok());  // exactly 32
  CHECK_FALSE(parse_all("250 " + std::string(27, 'x') + "\r\n", limits).is_ok());
  // An endless line without CRLF is refused as soon as it passes the limit.
  SmtpReplyParser p(limits);
  p.feed("250 " + std::string(40, 'x'));
  CHECK_FALSE(p.next().is_ok());
  CHECK(parse_all("250-a\r\n250-b\r\n250 c\r\n", limits).is_ok());
  CHECK_FALSE(parse_all("250-a\r\n250-b\r\n250-c\r\n250 d\r\n", limits).is_ok());
}

TEST_CASE("EHLO capabilities") {
  auto r = parse_all(
      "250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n"
      "250-AUTH PLAIN login\r\n250-AUTH=CRAM-MD5 PLAIN\r\n250-ENHANCEDSTATUSCODES\r\n"
      "250-8BITMIME\r\n250-X-UNKNOWN foo\r\n250 SMTPUTF8\r\n");
  REQUIRE(r.is_ok());
  SmtpCapabilities c = parse_ehlo_capabilities((*r)[0]);
  CHECK(c.extended);
  CHECK(c.pipelining);
  CHECK(c.size);
  CHECK(c.size_limit == 52428800);
  CHECK(c.starttls);
  CHECK(c.enhanced_status_codes);
  CHECK(c.eight_bit_mime);
  CHECK(c.smtputf8);
  CHECK(c.auth_mechanisms == std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"});
  CHECK(c.has_auth("login"));
  CHECK_FALSE(c.has_auth("XOAUTH2"));

  auto plain = parse_all("250-x\r\n250 SIZE\r\n");
  REQUIRE(plain.is_ok());
  SmtpCapabilities p = parse_ehlo_capabilities((*plain)[0]);
  CHECK(p.size);
  CHECK(p.size_limit == 0);
  CHECK_FALSE(p.starttls);
  CHECK(p.auth_mechanisms.empty());
}
