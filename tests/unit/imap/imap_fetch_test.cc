// FETCH interpretation: ENVELOPE, BODYSTRUCTURE, flags, dates, UID sets, SEARCH / ESEARCH,
// VANISHED and COPYUID. Samples are verbatim Dovecot 2.3 output from the dev stack
// (alice's seeded INBOX), plus RFC 3501 7.4.2's message/rfc822 example.

#include "backends/imap/imap_fetch.h"

#include <doctest/doctest.h>

#include "backends/imap/imap_sequence.h"

using namespace easgate;

namespace {

ImapResponse parse(const std::string& wire) {
  auto r = parse_imap_response(wire, ImapParserLimits{});
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  return std::move(r).value();
}

ImapFetchData fetch(const std::string& wire) {
  auto d = parse_fetch_response(parse(wire));
  REQUIRE_MESSAGE(d.is_ok(), d.status().message());
  return std::move(d).value();
}

// UID 1: text/plain with RFC 2047 encoded display names, Answered + Seen.
const char kPlain[] =
    "* 1 FETCH (UID 1 FLAGS (\\Answered \\Seen \\Recent) MODSEQ (2) INTERNALDATE "
    "\"30-Jul-2026 09:37:26 +0000\" RFC822.SIZE 499 ENVELOPE (\"Thu, 30 Jul 2026 18:37:26 +0900\" "
    "\"Thread 1: hiring plan\" ((\"=?utf-8?b?Wm/DqyBMZWbDqHZyZQ==?=\" NIL \"zoe.lefevre\" "
    "\"example.fr\")) ((\"=?utf-8?b?Wm/DqyBMZWbDqHZyZQ==?=\" NIL \"zoe.lefevre\" \"example.fr\")) "
    "((\"=?utf-8?b?Wm/DqyBMZWbDqHZyZQ==?=\" NIL \"zoe.lefevre\" \"example.fr\")) ((\"Alice "
    "Example\" "
    "NIL \"alice\" \"example.test\")) NIL NIL NIL \"<seed-000000.cbc16f01@example.test>\") "
    "BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 174 1 NIL NIL "
    "NIL NIL))\r\n";

// UID 5: multipart/related (multipart/alternative + inline image with Content-ID).
const char kRelated[] =
    "* 5 FETCH (UID 5 BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
    "\"7bit\" 12347 159 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL "
    "\"7bit\" 12819 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"=_seed_ce06311be89a0bd0\") "
    "NIL NIL NIL)(\"image\" \"png\" NIL \"<img3136@seed.example.test>\" NIL \"base64\" 186 NIL "
    "(\"inline\" (\"filename\" \"chart.png\")) NIL NIL) \"related\" (\"boundary\" "
    "\"=_seed_1718751f83b41a18\") NIL NIL NIL))\r\n";

// UID 22: multipart/mixed with a PDF and an RFC 2231 encoded file name.
const char kMixed[] =
    "* 22 FETCH (UID 22 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
    "\"7bit\" 1040 9 NIL NIL NIL NIL)(\"application\" \"pdf\" NIL NIL NIL \"base64\" 72968 NIL "
    "(\"attachment\" (\"filename\" \"report-996.pdf\")) NIL NIL)(\"application\" \"octet-stream\" "
    "NIL NIL NIL \"base64\" 2904 NIL (\"attachment\" (\"filename*\" "
    "\"utf-8''%C3%9Cbersicht-%E8%B3%87%E6%96%99.bin\")) NIL NIL) \"mixed\" (\"boundary\" "
    "\"=_seed_e8b2536fd400f4ef\") NIL NIL NIL))\r\n";

// RFC 3501 style: mixed with an attached message/rfc822 whose body is multipart, and a
// group address.
const char kRfc822[] =
    "* 9 FETCH (UID 90 ENVELOPE (NIL \"fwd\" ((NIL NIL \"undisclosed\" NIL)(\"A\" NIL \"a\" "
    "\"x.y\")"
    "(NIL NIL NIL NIL)) NIL NIL NIL NIL NIL NIL NIL) BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" "
    "(\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 10 1 NIL NIL (\"de\" \"en\") NIL)"
    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 500 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL "
    "\"<i@x>\") ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 3 1)(\"text\" \"html\" NIL NIL NIL "
    "\"7bit\" "
    "4 1) \"alternative\") 20) \"mixed\"))\r\n";

}  // namespace

TEST_CASE("Dovecot text/plain: flags, MODSEQ, INTERNALDATE, ENVELOPE, BODYSTRUCTURE") {
  ImapFetchData d = fetch(kPlain);
  CHECK(d.seq == 1);
  CHECK(d.uid == 1);
  REQUIRE(d.flags);
  CHECK(d.flags->seen);
  CHECK(d.flags->answered);
  CHECK_FALSE(d.flags->flagged);
  CHECK(d.flags->keywords.empty());  // \Recent is session state, not a keyword
  CHECK(d.modseq == 2);
  CHECK(d.internal_date == 1785404246);  // 2026-07-30T09:37:26Z
  CHECK(d.size == 499u);
  CHECK(d.parse_error.empty());
  REQUIRE(d.envelope);
  CHECK(d.envelope->subject == "Thread 1: hiring plan");
  CHECK(d.envelope->date == "Thu, 30 Jul 2026 18:37:26 +0900");
  REQUIRE(d.envelope->from.size() == 1);
  CHECK(d.envelope->from[0].name == "=?utf-8?b?Wm/DqyBMZWbDqHZyZQ==?=");
  CHECK(d.envelope->from[0].mailbox == "zoe.lefevre");
  CHECK(d.envelope->from[0].host == "example.fr");
  REQUIRE(d.envelope->to.size() == 1);
  CHECK(d.envelope->to[0].name == "Alice Example");
  CHECK(d.envelope->cc.empty());
  CHECK(d.envelope->in_reply_to.empty());
  CHECK(d.envelope->message_id == "<seed-000000.cbc16f01@example.test>");
  REQUIRE(d.body);
  CHECK(d.body->type == "text");
  CHECK(d.body->subtype == "plain");
  CHECK(d.body->part == "1");
  CHECK(d.body->size == 174);
  CHECK(d.body->lines == 1);
  REQUIRE(d.body->params.size() == 1);
  CHECK(d.body->params[0].first == "charset");
}

TEST_CASE("Dovecot multipart/related with an inline image: part numbers and Content-ID") {
  ImapFetchData d = fetch(kRelated);
  REQUIRE(d.body);
  const BodyStructure& b = *d.body;
  CHECK(b.type == "multipart");
  CHECK(b.subtype == "related");
  CHECK(b.part == "TEXT");
  REQUIRE(b.children.size() == 2);
  CHECK(b.children[0].subtype == "alternative");
  CHECK(b.children[0].part == "1");
  REQUIRE(b.children[0].children.size() == 2);
  CHECK(b.children[0].children[0].part == "1.1");
  CHECK(b.children[0].children[1].part == "1.2");
  CHECK(b.children[0].children[1].subtype == "html");
  CHECK(b.children[0].children[0].lines == 159);
  const BodyStructure& img = b.children[1];
  CHECK(img.part == "2");
  CHECK(img.id == "<img3136@seed.example.test>");
  CHECK(img.encoding == "base64");
  CHECK(img.disposition == "inline");
  REQUIRE(img.disposition_params.size() == 1);
  CHECK(img.disposition_params[0].second == "chart.png");
  REQUIRE(b.params.size() == 1);
  CHECK(b.params[0].first == "boundary");
}

TEST_CASE("Dovecot multipart/mixed with attachments and an RFC 2231 file name") {
  ImapFetchData d = fetch(kMixed);
  REQUIRE(d.body);
  REQUIRE(d.body->children.size() == 3);
  CHECK(d.body->children[1].subtype == "pdf");
  CHECK(d.body->children[1].size == 72968);
  CHECK(d.body->children[1].disposition == "attachment");
  CHECK(d.body->children[2].disposition_params[0].first == "filename*");
  CHECK(d.body->children[2].disposition_params[0].second ==
        "utf-8''%C3%9Cbersicht-%E8%B3%87%E6%96%99.bin");
}

TEST_CASE("message/rfc822: envelope, inner multipart numbered as n.TEXT, n.1, n.2; groups") {
  ImapFetchData d = fetch(kRfc822);
  CHECK(d.parse_error.empty());
  REQUIRE(d.envelope);
  REQUIRE(d.envelope->from.size() == 1);  // group markers are folded away
  CHECK(d.envelope->from[0].group == "undisclosed");
  CHECK(d.envelope->from[0].mailbox == "a");
  REQUIRE(d.body);
  REQUIRE(d.body->children.size() == 2);
  const BodyStructure& text = d.body->children[0];
  CHECK(text.type == "text");  // lower-cased
  CHECK(text.encoding == "quoted-printable");
  CHECK(text.language == std::vector<std::string>{"de", "en"});
  const BodyStructure& msg = d.body->children[1];
  CHECK(msg.part == "2");
  REQUIRE(msg.message_envelope);
  CHECK(msg.message_envelope->subject == "inner");
  CHECK(msg.lines == 20);
  REQUIRE(msg.children.size() == 1);
  CHECK(msg.children[0].part == "2.TEXT");
  REQUIRE(msg.children[0].children.size() == 2);
  CHECK(msg.children[0].children[1].part == "2.2");
}

TEST_CASE("a broken BODYSTRUCTURE is reported on the message, the rest still parses") {
  struct Case {
    const char* body;
    const char* why;
  };
  const Case cases[] = {
      {"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 10)", "text part without line count"},
      {"(\"text\" \"plain\" NIL NIL NIL \"7bit\" x 1)", "size not a number"},
      {"(\"text\" \"plain\" (\"charset\") NIL NIL \"7bit\" 1 1)", "odd parameter list"},
      {"((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1))", "multipart without subtype"},
      {"()", "empty body"},
      {"(\"text\" plain NIL NIL NIL \"7bit\" 1 1)", "subtype as atom"},
      {"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 1 NIL (\"text\" \"plain\" NIL NIL NIL "
       "\"7bit\" 1 1) 1)",
       "rfc822 with a NIL envelope"},
      {"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 NIL (\"inline\"))",
       "disposition without params"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.why);
    ImapFetchData d =
        fetch(std::string("* 3 FETCH (UID 7 FLAGS (\\Seen) BODYSTRUCTURE ") + c.body + ")\r\n");
    CHECK(d.uid == 7);
    CHECK(d.flags);
    CHECK_FALSE(d.body);
    CHECK(d.parse_error.find("BODYSTRUCTURE") != std::string::npos);
  }
}

TEST_CASE("broken ENVELOPE variants are reported, never guessed") {
  const char* cases[] = {
      "(NIL NIL NIL NIL NIL NIL NIL NIL NIL)",                    // 9 fields
      "(NIL NIL ((NIL NIL \"a\")) NIL NIL NIL NIL NIL NIL NIL)",  // 3-field address
      "(NIL subject NIL NIL NIL NIL NIL NIL NIL NIL)",            // atom subject
      "(NIL NIL \"x\" NIL NIL NIL NIL NIL NIL NIL)",              // string as address list
  };
  for (const char* e : cases) {
    CAPTURE(e);
    ImapFetchData d = fetch(std::string("* 1 FETCH (UID 1 ENVELOPE ") + e + ")\r\n");
    CHECK_FALSE(d.envelope);
    CHECK_FALSE(d.parse_error.empty());
  }
}

TEST_CASE("malformed FETCH attribute lists fail the response") {
  const char* cases[] = {
      "* 1 FETCH (UID)\r\n",
      "* 1 FETCH (UID 0)\r\n",
      "* 1 FETCH (UID 4294967296)\r\n",
      "* 1 FETCH (MODSEQ 5)\r\n",
      "* 1 FETCH (FLAGS \\Seen)\r\n",
      "* 1 FETCH (INTERNALDATE \"31-Foo-2026 00:00:00 +0000\")\r\n",
      "* 1 FETCH (BODY[1] (x))\r\n",
      "* FETCH (UID 1)\r\n",
  };
  for (const char* w : cases) {
    CAPTURE(w);
    auto r = parse_imap_response(w, ImapParserLimits{});
    if (!r) continue;  // rejected by the generic parser already
    CHECK_FALSE(parse_fetch_response(*r).is_ok());
  }
}

TEST_CASE("section data, $Forwarded and keywords") {
  ImapFetchData d = fetch(
      "* 2 FETCH (UID 9 FLAGS ($Forwarded \\Flagged work $label1) BODY[HEADER] {14}\r\n"
      "Subject: x\r\n\r\n BODY[1.2]<0> \"abc\")\r\n");
  REQUIRE(d.flags);
  CHECK(d.flags->forwarded);
  CHECK(d.flags->flagged);
  CHECK(d.flags->keywords == std::vector<std::string>{"work", "$label1"});
  REQUIRE(d.sections.size() == 2);
  CHECK(d.sections[0].first == "HEADER");
  CHECK(d.sections[0].second == "Subject: x\r\n\r\n");
  CHECK(d.sections[1].first == "1.2");
  CHECK(d.sections[1].second == "abc");
}

TEST_CASE("INTERNALDATE zones and the space-padded day") {
  CHECK(*parse_internal_date(" 1-Jan-2020 01:00:00 +0100") == 1577836800);
  CHECK(*parse_internal_date("31-Dec-2019 19:00:00 -0500") == 1577836800);
  CHECK_FALSE(parse_internal_date("1-Jan-2020 01:00:00 +0100").is_ok());
  CHECK_FALSE(parse_internal_date("01-Jan-2020 25:00:00 +0000").is_ok());
  CHECK(imap_date_time(1577836800) == "01-Jan-2020 00:00:00 +0000");
  CHECK(imap_search_date(1577836800) == "1-Jan-2020");
}

TEST_CASE("flag lists for STORE / APPEND reject keywords that are not atoms") {
  MessageFlags f;
  f.seen = true;
  f.forwarded = true;
  f.keywords = {"Work"};
  CHECK(*imap_flag_list(f) == "\\Seen $Forwarded Work");
  f.keywords = {"two words"};
  CHECK(imap_flag_list(f).status().kind() == ErrorKind::kInvalidArgument);
  f.keywords = {"\\Seen"};
  CHECK_FALSE(imap_flag_list(f).is_ok());
  CHECK(flags_empty(MessageFlags{}));
}

TEST_CASE("UID sets: format compresses, parse expands with a cap") {
  CHECK(format_uid_set({5, 1, 2, 3, 3, 9, 0, 10}) == "1:3,5,9:10");
  CHECK(format_uid_set({}).empty());
  CHECK(*parse_uid_set("1:3,7", 100) == std::vector<uint32_t>{1, 2, 3, 7});
  CHECK(*parse_uid_set("5:3", 100) == std::vector<uint32_t>{5, 4, 3});
  CHECK(parse_uid_set("1:4294967295", 1000).status().kind() == ErrorKind::kTooLarge);
  CHECK_FALSE(parse_uid_set("1:*", 100).is_ok());
  CHECK_FALSE(parse_uid_set("0", 100).is_ok());
  CHECK_FALSE(parse_uid_set("1,,2", 100).is_ok());
}

TEST_CASE("SEARCH, ESEARCH, VANISHED and COPYUID") {
  std::vector<ImapResponse> u;
  u.push_back(parse("* ESEARCH (TAG \"e5\") UID ALL 1:3,10 COUNT 4\r\n"));
  auto s = search_result(u, 100);
  REQUIRE(s.is_ok());
  CHECK(s->uids == std::vector<uint32_t>{1, 2, 3, 10});
  CHECK(s->count == 4);
  u = {parse("* SEARCH 7 3 5\r\n")};
  CHECK(search_result(u, 100)->uids == std::vector<uint32_t>{3, 5, 7});
  u = {parse("* ESEARCH (TAG \"e5\") UID COUNT 0\r\n")};
  CHECK(search_result(u, 100)->uids.empty());

  u = {parse("* VANISHED (EARLIER) 41,43:45\r\n"), parse("* VANISHED 2\r\n")};
  CHECK(*vanished_uids(u, 100) == std::vector<uint32_t>{2, 41, 43, 44, 45});

  u = {parse("* OK [COPYUID 38505 304,319:320 3956:3958] Moved UIDs.\r\n")};
  auto c = find_copyuid("", {}, u, 100);
  REQUIRE(c.is_ok());
  CHECK(c->uidvalidity == 38505);
  REQUIRE(c->uids.size() == 3);
  CHECK(c->uids[2] == std::pair<uint32_t, uint32_t>{320, 3958});
  u = {parse("* OK [COPYUID 1 1:2 5] bad\r\n")};
  CHECK_FALSE(find_copyuid("", {}, u, 100).is_ok());
}
