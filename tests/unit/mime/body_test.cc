// MS-ASAIRS bodies: type selection, conversion, truncation, AllOrNone, Preview.

#include <doctest/doctest.h>

#include "backends/mime/email_body.h"
#include "backends/mime/email_fields.h"
#include "backends/mime/html_text.h"
#include "tests/unit/mime/test_support.h"

namespace easgate::mime {

namespace {
std::string alternative(const std::string& plain, const std::string& html) {
  return "From: a@example.test\r\nSubject: alt\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/alternative; boundary=alt\r\n\r\n"
         "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
         plain + "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html +
         "\r\n--alt--\r\n";
}
}  // namespace

TEST_CASE("multipart/alternative: the last alternative of each type wins") {
  std::string msg =
      "From: a@example.test\r\nSubject: alt\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=alt\r\n\r\n"
      "--alt\r\nContent-Type: text/plain\r\n\r\nplain one\r\n"
      "--alt\r\nContent-Type: text/enriched\r\n\r\n<bold>rich</bold>\r\n"
      "--alt\r\nContent-Type: text/html\r\n\r\n<p>html one</p>\r\n"
      "--alt\r\nContent-Type: text/html\r\n\r\n<p>html two</p>\r\n--alt--\r\n";
  auto m = test::parse_ok(msg);
  CHECK(make_body(m, {BodyType::kHtml, std::nullopt, false, 0}).data == "<p>html two</p>");
  CHECK(make_body(m, {BodyType::kPlain, std::nullopt, false, 0}).data == "plain one");
  REQUIRE(m.html_body());
  CHECK(m.html_body()->path == "4");
}

TEST_CASE("TruncationSize cuts at a UTF-8 boundary and reports the full size") {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "\xC3\xA4";  // 200 bytes of 'ä'
  auto m = test::parse_ok(alternative(text, "<p>" + text + "</p>"));
  auto b = make_body(m, {BodyType::kPlain, 5, false, 0});
  CHECK(b.truncated);
  CHECK(b.data == "\xC3\xA4\xC3\xA4");
  CHECK(b.estimated_data_size == 200);
  auto html = make_body(m, {BodyType::kHtml, 8, false, 0});
  CHECK(html.truncated);
  CHECK(html.data == "<p>\xC3\xA4\xC3\xA4");  // 7 bytes, the 8th would split a character
  CHECK(html.estimated_data_size == 207);
  auto whole = make_body(m, {BodyType::kPlain, 200, false, 0});
  CHECK_FALSE(whole.truncated);
  CHECK(whole.data == text);
}

TEST_CASE("AllOrNone: too big means no data, small enough means all") {
  auto m = test::parse_ok(alternative("0123456789", "<b>x</b>"));
  auto none = make_body(m, {BodyType::kPlain, 5, true, 0});
  CHECK(none.truncated);
  CHECK(none.data.empty());
  CHECK(none.estimated_data_size == 10);
  auto all = make_body(m, {BodyType::kPlain, 10, true, 0});
  CHECK_FALSE(all.truncated);
  CHECK(all.data == "0123456789");
}

TEST_CASE("MIME body: raw bytes, truncated by byte count") {
  std::string raw = alternative("hello", "<b>hello</b>");
  auto m = test::parse_ok(raw);
  auto b = make_body(m, {BodyType::kMime, 20, false, 0});
  CHECK(b.type == BodyType::kMime);
  CHECK(b.truncated);
  CHECK(b.data == raw.substr(0, 20));
  CHECK(b.estimated_data_size == raw.size());
  CHECK(should_send_mime(m, MimeSupport::kAlways));
  CHECK_FALSE(should_send_mime(m, MimeSupport::kSmimeOnly));
}

TEST_CASE("RTF request is served as plain text") {
  auto m = test::parse_ok(alternative("hi", "<b>hi</b>"));
  CHECK(make_body(m, {BodyType::kRtf, std::nullopt, false, 0}).type == BodyType::kPlain);
}

TEST_CASE("Preview: whitespace collapsed, at most 255 characters, whole characters") {
  std::string text = "Hello,\r\n\r\n  this   is\ta  test.";
  auto m = test::parse_ok(alternative(text, "<p>x</p>"));
  CHECK(make_body(m, {BodyType::kHtml, 100, false, 20}).preview == "Hello, this is a tes");
  std::string long_text;
  for (int i = 0; i < 400; ++i) long_text += "\xE6\x97\xA5";
  CHECK(make_preview(long_text, 1000) == long_text.substr(0, 255 * 3));
  CHECK(make_preview(long_text, 2) == "\xE6\x97\xA5\xE6\x97\xA5");
  CHECK(make_preview("  a  ", 10) == "a");
}

TEST_CASE("plain text becomes escaped HTML when there is no HTML part") {
  auto m = test::parse_ok("From: a@example.test\r\nSubject: p\r\n\r\n1 < 2 & \"x\"\r\nline2\r\n");
  auto html = make_body(m, {BodyType::kHtml, std::nullopt, false, 0});
  CHECK(html.type == BodyType::kHtml);
  CHECK(html.data.find("1 &lt; 2 &amp; &quot;x&quot;\nline2") != std::string::npos);
  CHECK(html.data.find("<html>") == 0);
}

TEST_CASE("html_to_text: blocks, entities, hidden elements, whitespace") {
  CHECK(
      html_to_text("<html><head><title>T</title><style>p{}</style></head>"
                   "<body><p>Hello&nbsp;<b>World</b> &amp; you</p><p>Two&#33; &#x263A;</p>"
                   "<script>alert(1)</script><ul><li>a</li><li>b</li></ul>x<br>y</body></html>") ==
      "Hello World & you\n\nTwo! \xE2\x98\xBA\n\n* a\n* b\nx\ny");
  CHECK(html_to_text("a <!-- hidden --> b") == "a b");
  CHECK(html_to_text("unterminated <b") == "unterminated");
  CHECK(html_to_text("&bogus; &#xFFFFFFFF;") == "&bogus; \xEF\xBF\xBD");
  CHECK(html_to_text("<td>a</td><td>b</td>") == "a b");
}

TEST_CASE("format=flowed is unwrapped (RFC 3676)") {
  CHECK(unflow_text("one \r\ntwo\r\n-- \r\nsig\r\n", false) == "one two\r\n-- \r\nsig\r\n");
  CHECK(unflow_text("ab \r\ncd\r\n", true) == "abcd\r\n");
  CHECK(unflow_text(" >stuffed\r\n", false) == ">stuffed\r\n");
}

TEST_CASE("bounded: deep nesting and many parts are cut off, not crashed") {
  std::string deep = "From: a@example.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n";
  for (int i = 0; i < 40; ++i) {
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
            std::to_string(i) + "\r\n";
  }
  deep += "Content-Type: text/plain\r\n\r\ndeep text\r\n";
  auto m = test::parse_ok(deep);
  CHECK(m.structure_truncated());
  CHECK(make_body(m, {}).data.empty());

  std::string many =
      "From: a@example.test\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
      "--m\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
  for (int i = 0; i < 300; ++i) {
    many += "--m\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n";
  }
  many += "--m--\r\n";
  auto m2 = test::parse_ok(many);
  CHECK(m2.structure_truncated());
  CHECK(m2.parts().size() == kMaxParts);
  CHECK(make_body(m2, {}).data == "body");
}

TEST_CASE("thousands of nested multiparts are parsed quickly, raw MIME kept whole") {
  std::string deep = "From: a@example.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n";
  for (int i = 0; i < 20000; ++i) {
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
            std::to_string(i) + "\r\n";
  }
  auto m = test::parse_ok(deep);
  CHECK(m.structure_truncated());
  CHECK(m.parts().size() <= kMaxParts);
  CHECK(make_body(m, {BodyType::kMime, std::nullopt, false, 0}).data == deep);
  CHECK(extract_email_fields(m, {}).subject == "deep");
}

TEST_CASE("garbage input never crashes") {
  for (std::string junk : {std::string(), std::string("\0\0\0", 3), std::string("no headers"),
                           std::string("Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n"),
                           std::string(5000, '-')}) {
    auto m = MimeMessage::parse(junk);
    if (m.is_ok()) {
      (void)make_body(*m, {BodyType::kHtml, 10, false, 10});
    }
  }
}

}  // namespace easgate::mime
