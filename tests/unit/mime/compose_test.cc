// SmartReply / SmartForward / SendMail helpers; every composed message is parsed back.

#include "backends/mime/compose.h"

#include <doctest/doctest.h>

#include "backends/mime/attachments.h"
#include "backends/mime/email_body.h"
#include "backends/mime/email_fields.h"
#include "tests/unit/mime/test_support.h"

namespace easgate::mime {

namespace {
const std::string kClientPlain =
    "From: alice@example.test\nTo: bob@example.test\nBcc: boss@example.test\n"
    "Subject: Re: hello\nContent-Type: text/plain; charset=utf-8\n\nMy answer.\n";

const std::string kClientHtml =
    "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: Fwd: report\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
    "--c\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n"
    "--c\r\nContent-Type: text/html\r\n\r\n<html><body><p>See below.</p></body></html>\r\n"
    "--c--\r\n";

bool no_bare_lf(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("compose_reply quotes the original plain text and threads the reply") {
  std::string original = test::horde("email_plain.eml");
  auto out = compose_reply(original, kClientPlain, false);
  REQUIRE(out.is_ok());
  CHECK(no_bare_lf(*out));
  auto m = test::parse_ok(*out);
  auto f = extract_email_fields(m, {});
  CHECK(f.subject == "Re: hello");
  CHECK(header_utf8(GMIME_OBJECT(m.gmime()), "In-Reply-To") ==
        "<20140908102650.Horde.1eE5viMIP-X-AwWHvBqf6A9@h4.theupstairsroom.com>");
  CHECK(header_utf8(GMIME_OBJECT(m.gmime()), "References").find("1eE5viMIP") != std::string::npos);
  // The reply joins the original's conversation.
  CHECK(f.conversation_id == extract_email_fields(test::parse_ok(original), {}).conversation_id);
  std::string body = make_body(m, {}).data;
  CHECK(body.rfind("My answer.", 0) == 0);
  CHECK(body.find("Michael J Rubinsky <mrubinsk@horde.org> wrote:") != std::string::npos);
  CHECK(body.find("> Foo") != std::string::npos);
  // The client's own headers are kept, Bcc included until strip_bcc().
  CHECK(header_utf8(GMIME_OBJECT(m.gmime()), "Bcc") == "boss@example.test");
}

TEST_CASE("compose_reply with ReplaceMime sends the client's text alone") {
  auto out = compose_reply(test::horde("email_plain.eml"), kClientPlain, true);
  REQUIRE(out.is_ok());
  auto m = test::parse_ok(*out);
  CHECK(make_body(m, {}).data == "My answer.\r\n");
  CHECK(!header_utf8(GMIME_OBJECT(m.gmime()), "In-Reply-To").empty());
}

TEST_CASE("compose_reply keeps In-Reply-To the client set") {
  std::string client = "In-Reply-To: <mine@x>\n" + kClientPlain;
  auto out = compose_reply(test::horde("email_plain.eml"), client, false);
  REQUIRE(out.is_ok());
  auto m = test::parse_ok(*out);
  CHECK(header_utf8(GMIME_OBJECT(m.gmime()), "In-Reply-To") == "<mine@x>");
}

TEST_CASE("compose_reply into HTML: original HTML inside a blockquote before </body>") {
  auto out = compose_reply(test::horde("iOSMultipartAlternative.eml"), kClientHtml, false);
  REQUIRE(out.is_ok());
  auto m = test::parse_ok(*out);
  std::string html = make_body(m, {BodyType::kHtml, std::nullopt, false, 0}).data;
  size_t mine = html.find("<p>See below.</p>");
  size_t quote = html.find("<blockquote type=\"cite\">");
  REQUIRE(mine != std::string::npos);
  REQUIRE(quote != std::string::npos);
  CHECK(mine < quote);
  CHECK(html.find("This is an HTML <b>email</b>.") > quote);
  CHECK(html.find("</blockquote></body>") != std::string::npos);
  std::string plain = make_body(m, {}).data;
  CHECK(plain.find("> This is an HTML email.") != std::string::npos);
}

TEST_CASE("compose_forward attaches the original's attachments and inline images") {
  std::string original = test::seed("seed_mixed_pdf.eml");
  auto out = compose_forward(original, kClientHtml, false);
  REQUIRE(out.is_ok());
  CHECK(no_bare_lf(*out));
  auto m = test::parse_ok(*out);
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].display_name == "report-519.pdf");
  auto pdf = extract_attachment(m, atts[0].file_reference);
  auto pdf_original = extract_attachment(test::parse_ok(original), "2");
  REQUIRE(pdf.is_ok());
  REQUIRE(pdf_original.is_ok());
  CHECK(pdf->data == pdf_original->data);
  std::string plain = make_body(m, {}).data;
  CHECK(plain.rfind("See below.", 0) == 0);
  CHECK(plain.find("-------- Forwarded message --------") != std::string::npos);
  CHECK(plain.find("Subject: Support escalation (8)") != std::string::npos);
  CHECK(header_utf8(GMIME_OBJECT(m.gmime()), "In-Reply-To").empty());

  auto related = compose_forward(test::seed("seed_related_cid.eml"), kClientPlain, false);
  REQUIRE(related.is_ok());
  auto r = test::parse_ok(*related);
  auto ratts = list_attachments(r);
  REQUIRE(ratts.size() == 1);
  CHECK(ratts[0].content_id == "img6693@seed.example.test");
}

TEST_CASE("compose_forward with ReplaceMime adds nothing") {
  auto out = compose_forward(test::seed("seed_mixed_pdf.eml"), kClientPlain, true);
  REQUIRE(out.is_ok());
  auto m = test::parse_ok(*out);
  CHECK(list_attachments(m).empty());
}

TEST_CASE("compose: a client message with only an attachment gets a text part") {
  std::string client =
      "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: Fwd: x\r\n"
      "MIME-Version: 1.0\r\nContent-Type: application/pdf; name=a.pdf\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n";
  auto out = compose_forward(test::horde("email_plain.eml"), client, false);
  REQUIRE(out.is_ok());
  auto m = test::parse_ok(*out);
  CHECK(make_body(m, {}).data.find("Forwarded message") != std::string::npos);
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].display_name == "a.pdf");
}

TEST_CASE("envelope_recipients: To, Cc, Bcc, groups, each once") {
  auto r = envelope_recipients(
      "From: a@example.test\r\nTo: \"Bob\" <bob@example.test>, Team: c@example.test, "
      "d@example.test;\r\nCc: BOB@example.test, e@example.test\r\n"
      "Bcc: f@example.test\r\nSubject: x\r\n\r\nbody\r\n");
  REQUIRE(r.is_ok());
  std::vector<std::string> want = {"bob@example.test", "c@example.test", "d@example.test",
                                   "e@example.test", "f@example.test"};
  CHECK(*r == want);
  auto none = envelope_recipients("From: a@example.test\r\nSubject: x\r\n\r\n");
  REQUIRE(none.is_ok());
  CHECK(none->empty());
}

TEST_CASE("strip_bcc removes folded Bcc only from the top header block, CRLF out") {
  std::string in = "From: a@x\nBcc: hidden@x,\n  other@x\nTo: b@x\n\nbody line\nBcc: kept\n";
  std::string out = strip_bcc(in);
  CHECK(out == "From: a@x\r\nTo: b@x\r\n\r\nbody line\r\nBcc: kept\r\n");
  CHECK(to_crlf("a\r\nb\nc") == "a\r\nb\r\nc");
}

TEST_CASE("compose rejects inputs that are not messages") {
  CHECK_FALSE(compose_reply("", kClientPlain, false).is_ok());
}

}  // namespace easgate::mime
