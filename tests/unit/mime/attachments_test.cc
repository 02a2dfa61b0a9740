// Attachment listing (MS-ASAIRS 2.2.2.7) and Fetch by FileReference.

#include "backends/mime/attachments.h"

#include <doctest/doctest.h>

#include "backends/mime/email_body.h"
#include "tests/unit/mime/test_support.h"

namespace easgate::mime {

namespace {
const std::string kNested =
    "From: a@example.test\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
    "--outer\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n"
    "--rel\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo@x\">\r\n"
    "--rel\r\nContent-Type: image/gif\r\nContent-ID: <logo@x>\r\n"
    "Content-Location: logo.gif\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "R0lGODlhAQABAAAAACw=\r\n--rel--\r\n"
    "--outer\r\nContent-Type: message/rfc822\r\n\r\n"
    "From: b@example.test\r\nSubject: Inner mail\r\n\r\ninner body\r\n"
    "--outer\r\nContent-Type: text/plain; name=\"notes.txt\"\r\n"
    "Content-Disposition: attachment\r\n\r\nmy notes\r\n"
    "--outer\r\nContent-Type: application/octet-stream\r\n\r\nxyz\r\n"
    "--outer--\r\n";
}  // namespace

TEST_CASE("attachments: inline image, embedded message, text file, unnamed part") {
  auto m = test::parse_ok(kNested);
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 4);
  CHECK(atts[0].file_reference == "1.2");
  CHECK(atts[0].content_id == "logo@x");
  CHECK(atts[0].content_location == "logo.gif");
  CHECK(atts[0].is_inline);
  CHECK(atts[0].display_name == "attachment-1.2.gif");
  CHECK(atts[1].file_reference == "2");
  CHECK(atts[1].method == AttachmentMethod::kEmbedded);
  CHECK(atts[1].display_name == "Inner mail.eml");
  CHECK(atts[2].display_name == "notes.txt");
  CHECK_FALSE(atts[2].is_inline);
  CHECK(atts[3].display_name == "attachment-4.bin");
  CHECK(atts[3].estimated_data_size == 3);
  // The HTML body is the related root; the attached text file is not the body.
  CHECK(make_body(m, {BodyType::kHtml, std::nullopt, false, 0}).data == "<img src=\"cid:logo@x\">");
}

TEST_CASE("extract_attachment: by section, into the attached message, errors") {
  auto m = test::parse_ok(kNested);
  auto gif = extract_attachment(m, "1.2");
  REQUIRE(gif.is_ok());
  CHECK(gif->data.rfind("GIF89a", 0) == 0);
  CHECK(gif->content_type == "image/gif");
  auto inner = extract_attachment(m, "2");
  REQUIRE(inner.is_ok());
  CHECK(inner->data.find("Subject: Inner mail") != std::string::npos);
  CHECK(inner->file_name == "Inner mail.eml");
  auto inner_body = extract_attachment(m, "2.1");  // RFC 3501: the body of a message part
  REQUIRE(inner_body.is_ok());
  CHECK(inner_body->data == "inner body");  // the CRLF before a boundary is the boundary's
  auto notes = extract_attachment(m, "3");
  REQUIRE(notes.is_ok());
  CHECK(notes->data == "my notes");
  for (const char* bad : {"", "0", "9", "1", "1.7", "x", "3.1", "-1", "1..2", "99999999999"}) {
    auto r = extract_attachment(m, bad);
    CHECK_MESSAGE(!r.is_ok(), bad);
    if (!r.is_ok()) CHECK(r.status().kind() == ErrorKind::kNotFound);
  }
}

TEST_CASE("single-part message: section 1 is the body") {
  auto m = test::parse_ok("From: a@example.test\r\nSubject: s\r\n\r\nhello\r\n");
  auto r = extract_attachment(m, "1");
  REQUIRE(r.is_ok());
  CHECK(r->data == "hello\r\n");
  CHECK(list_attachments(m).empty());
}

}  // namespace easgate::mime
