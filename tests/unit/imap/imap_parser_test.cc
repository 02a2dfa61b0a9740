#include "backends/imap/imap_parser.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace easgate;

namespace {

// Feeds `wire` in pieces of `step` bytes and collects every response.
Result<std::vector<ImapResponse>> parse_all(const std::string& wire, size_t step,
                                            ImapParserLimits limits = {}) {
  ImapResponseParser p(limits);
  std::vector<ImapResponse> out;
  for (size_t i = 0; i < wire.size(); i += step) {
    p.feed(std::string_view(wire).substr(i, step));
    for (;;) {
      auto r = p.next();
      if (!r) return r.status();
      if (!r->has_value()) break;
      out.push_back(std::move(**r));
    }
  }
  if (p.buffered() != 0) return Status::malformed("trailing bytes");
  return out;
}

ImapResponse one(const std::string& wire) {
  auto r = parse_imap_response(wire, ImapParserLimits{});
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("tagged, untagged and continuation responses") {
  ImapResponse t = one("a1 OK [READ-WRITE] SELECT completed\r\n");
  CHECK(t.kind == ImapResponseKind::kTagged);
  CHECK(t.tag == "a1");
  CHECK(t.condition == ImapCondition::kOk);
  CHECK(t.code == "READ-WRITE");
  CHECK(t.text == "SELECT completed");

  ImapResponse n = one("a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n");
  CHECK(n.condition == ImapCondition::kNo);
  CHECK(n.code == "AUTHENTICATIONFAILED");

  ImapResponse c = one("+ \r\n");
  CHECK(c.kind == ImapResponseKind::kContinuation);
  CHECK(c.text.empty());
  CHECK(one("+ dGVzdA==\r\n").text == "dGVzdA==");

  ImapResponse e = one("* 23 EXISTS\r\n");
  CHECK(e.has_number);
  CHECK(e.number == 23);
  CHECK(e.keyword == "EXISTS");

  ImapResponse bye = one("* BYE shutting down\r\n");
  CHECK(bye.condition == ImapCondition::kBye);
  CHECK(one("a3 OK\r\n").text.empty());
}

TEST_CASE("greeting with capability code") {
  ImapResponse g = one("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                       "LITERAL+ AUTH=PLAIN] Dovecot ready.\r\n");
  CHECK(g.condition == ImapCondition::kOk);
  CHECK(g.code == "CAPABILITY");
  REQUIRE(g.code_args.size() == 8);
  CHECK(g.code_args[7].is_atom("auth=plain"));
  CHECK(g.text == "Dovecot ready.");
}

TEST_CASE("code arguments: lists, numbers, flags with backslash-star") {
  ImapResponse r = one("* OK [PERMANENTFLAGS (\\Answered \\Seen \\*)] Flags permitted.\r\n");
  REQUIRE(r.code_args.size() == 1);
  REQUIRE(r.code_args[0].is_list());
  CHECK(r.code_args[0].items[2].text == "\\*");
  ImapResponse u = one("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
  CHECK(u.code_args[0].as_number() == 3857529045u);
  ImapResponse m = one("* OK [HIGHESTMODSEQ 18446744073709551615] Highest\r\n");
  CHECK(m.code_args[0].as_number() == 18446744073709551615ull);
  CHECK_FALSE(one("* OK [HIGHESTMODSEQ 18446744073709551616] x\r\n").code_args[0].as_number());
}

TEST_CASE("LIST with special-use, extended data and quoted / literal names") {
  ImapResponse l = one("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent \\\"Items\\\"\"\r\n");
  CHECK(l.keyword == "LIST");
  REQUIRE(l.values.size() == 3);
  CHECK(l.values[0].items[1].text == "\\Sent");
  CHECK(l.values[1].text == "/");
  CHECK(l.values[2].text == "Sent \"Items\"");

  ImapResponse lit = one("* LIST () NIL {12}\r\nfoo\r\nbar baz\r\n");
  CHECK(lit.values[1].kind == ImapValueKind::kNil);
  CHECK(lit.values[2].literal);
  CHECK(lit.values[2].text == "foo\r\nbar baz");

  ImapResponse ext = one("* LIST (\\Subscribed) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
  REQUIRE(ext.values.size() == 4);
  CHECK(ext.values[3].items[1].items[0].text == "SUBSCRIBED");
}

TEST_CASE("STATUS and ENABLED and FETCH with sections") {
  ImapResponse s = one("* STATUS INBOX (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 1 HIGHESTMODSEQ 7)\r\n");
  REQUIRE(s.values.size() == 2);
  CHECK(s.values[0].text == "INBOX");
  CHECK(s.values[1].items.size() == 8);
  ImapResponse en = one("* ENABLED CONDSTORE QRESYNC\r\n");
  CHECK(en.values.size() == 2);
  ImapResponse f = one("* 12 FETCH (UID 5 BODY[HEADER.FIELDS (FROM TO)] {4}\r\nab\r\n)\r\n");
  REQUIRE(f.values.size() == 1);
  CHECK(f.values[0].items[2].text == "BODY[HEADER.FIELDS (FROM TO)]");
  CHECK(f.values[0].items[3].text == "ab\r\n");
  const char kBinary[] = "* 1 FETCH (BINARY[1] ~{2}\r\n\x00\x01)\r\n";
  ImapResponse l8 = one(std::string(kBinary, sizeof kBinary - 1));
  CHECK(l8.values[0].items[1].text == std::string("\x00\x01", 2));
  CHECK(l8.values[0].items[1].literal);
}

TEST_CASE("literals split across reads at every byte boundary") {
  const std::string wire =
      "* LIST (\\HasNoChildren) \"/\" {5}\r\nA\r\nB}\r\n"
      "* LIST () \".\" {0}\r\n\r\n"
      "* LIST () \"/\" {3+}\r\n{3}\r\n"
      "a1 OK done\r\n";
  for (size_t step = 1; step <= wire.size(); ++step) {
    auto all = parse_all(wire, step);
    REQUIRE_MESSAGE(all.is_ok(), "step " << step << ": " << all.status().message());
    REQUIRE(all->size() == 4);
    CHECK((*all)[0].values[2].text == "A\r\nB}");
    CHECK((*all)[1].values[2].text == "");
    CHECK((*all)[2].values[2].text == "{3}");
    CHECK((*all)[3].tag == "a1");
  }
}

TEST_CASE("malformed input is rejected with a message") {
  const char* bad[] = {
      "* LIST (\\A \"/\" x\r\n",           // unclosed list
      "* LIST () \"/\" \"abc\r\n",         // unterminated quoted string
      "* LIST () \"/\" \"a\\b\"\r\n",      // bad escape
      "* LIST ()  \"/\" x\r\n",            // double space
      "a1 FOO bar\r\n",                    // tagged must be OK/NO/BAD
      "a1 OK [CAPABILITY IMAP4rev1 text\r\n",  // code not closed
      "* 1 FETCH (BODY[TEXT {3}\r\nabc)\r\n",  // unbalanced bracket
      " OK\r\n",                           // no tag
      "* LIST () \"/\" {5}\r\nab\r\n",     // literal truncated (one-shot)
      "*\r\n",
  };
  for (const char* b : bad) {
    auto r = parse_imap_response(b, ImapParserLimits{});
    CHECK_MESSAGE(!r.is_ok(), b);
    if (!r.is_ok()) CHECK(r.status().kind() == ErrorKind::kMalformed);
  }
  // Bare LF is not a line ending.
  auto lf = parse_all("* OK hi\n", 100);
  CHECK(!lf.is_ok());
}

TEST_CASE("limits: line, literal, depth, values") {
  ImapParserLimits limits;
  limits.max_line = 32;
  auto line = parse_all("* OK " + std::string(40, 'x') + "\r\n", 7, limits);
  REQUIRE(!line.is_ok());
  CHECK(line.status().message().find("line longer") != std::string::npos);
  // Also without a newline ever arriving: the buffer must not grow without bound.
  ImapResponseParser p(limits);
  p.feed(std::string(100, 'x'));
  CHECK(!p.next().is_ok());
  CHECK(!p.next().is_ok());  // stays broken

  ImapParserLimits lit_limits;
  lit_limits.max_literal = 10;
  auto lit = parse_all("* LIST () \"/\" {11}\r\n", 100, lit_limits);
  REQUIRE(!lit.is_ok());
  CHECK(lit.status().kind() == ErrorKind::kTooLarge);

  ImapParserLimits depth_limits;
  depth_limits.max_depth = 3;
  CHECK(parse_imap_response("* X (((a)))\r\n", depth_limits).is_ok());
  auto deep = parse_imap_response("* X ((((a))))\r\n", depth_limits);
  CHECK(!deep.is_ok());

  ImapParserLimits value_limits;
  value_limits.max_values = 4;
  CHECK(!parse_imap_response("* X a b c d e\r\n", value_limits).is_ok());

  // A huge announced literal size must not overflow.
  CHECK(!parse_all("* X {99999999999999999999}\r\n", 100).is_ok());
}
