// Charset conversion to UTF-8 (MS-ASEMAIL InternetCPID 65001) and RFC 2047/2231 decoding.

#include "backends/mime/charset.h"

#include <doctest/doctest.h>

#include "backends/mime/attachments.h"
#include "backends/mime/email_body.h"
#include "backends/mime/email_fields.h"
#include "tests/unit/mime/test_support.h"

namespace easgate::mime {

constexpr const char* kNihongo = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E";  // 日本語

TEST_CASE("to_utf8 converts the charsets mail uses") {
  CHECK(to_utf8("Gr\xFC\xDF"
                "e",
                "ISO-8859-1") ==
        "Gr\xC3\xBC\xC3\x9F"
        "e");
  // Labelled Latin-1 but really windows-1252 (the euro sign at 0x80).
  CHECK(to_utf8("\x80", "iso-8859-1") == "\xE2\x82\xAC");
  CHECK(to_utf8("\x80", "windows-1252") == "\xE2\x82\xAC");
  CHECK(to_utf8("\x93\xFA\x96{\x8C\xEA", "Shift_JIS") == kNihongo);
  CHECK(to_utf8("\x1B$BF|K\\8l\x1B(B", "ISO-2022-JP") == kNihongo);
  CHECK(to_utf8("\xD6\xD0\xCE\xC4", "GB2312") == "\xE4\xB8\xAD\xE6\x96\x87");
  CHECK(to_utf8("plain", "us-ascii") == "plain");
  CHECK(to_utf8(kNihongo, "utf-8") == kNihongo);
}

TEST_CASE("to_utf8 replaces what does not decode instead of failing") {
  CHECK(to_utf8("a\xFF"
                "b",
                "utf-8") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(to_utf8("a\xE6\x97", "UTF-8") == "a\xEF\xBF\xBD\xEF\xBF\xBD");
  // NUL never reaches a device (it would end a WBXML string).
  CHECK(to_utf8(std::string("a\0b\xE9", 4), "iso-8859-1") ==
        "a\xEF\xBF\xBD"
        "b\xC3\xA9");
  CHECK(to_utf8(std::string("a\0b", 3), "utf-8") ==
        "a\xEF\xBF\xBD"
        "b");
  // Unlabelled 8-bit text is read as windows-1252.
  CHECK(to_utf8("caf\xE9", "") == "caf\xC3\xA9");
  CHECK(to_utf8("caf\xE9", "us-ascii") == "caf\xC3\xA9");
  // An unknown label: valid UTF-8 passes, anything else is read as windows-1252.
  CHECK(to_utf8(kNihongo, "x-no-such-charset") == kNihongo);
  CHECK(to_utf8("caf\xE9", "x-no-such-charset") == "caf\xC3\xA9");
  // Shift_JIS with a truncated double-byte character at the end.
  std::string cut = to_utf8("\x93\xFA\x96", "shift_jis");
  CHECK(cut.rfind("\xE6\x97\xA5", 0) == 0);
  CHECK(cut.find("\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("utf8_prefix never cuts inside a character") {
  std::string s = kNihongo;  // 3 x 3 bytes
  CHECK(utf8_prefix(s, 9) == s);
  CHECK(utf8_prefix(s, 8) == "\xE6\x97\xA5\xE6\x9C\xAC");
  CHECK(utf8_prefix(s, 4) == "\xE6\x97\xA5");
  CHECK(utf8_prefix(s, 2).empty());
  CHECK(utf8_length(s) == 3);
}

TEST_CASE("Shift_JIS body and ISO-2022-JP RFC 2047 subject") {
  std::string msg =
      "From: =?iso-2022-jp?b?GyRCRnxLXDhsGyhC?= <jp@example.jp>\r\n"
      "To: alice@example.test\r\n"
      "Subject: =?iso-2022-jp?b?GyRCRnxLXDhsJE43b0w+GyhC?=\r\n"
      "Content-Type: text/plain; charset=Shift_JIS\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n"
      "\x93\xFA\x96{\x8C\xEA\r\n";
  auto m = test::parse_ok(msg);
  auto f = extract_email_fields(m, {});
  CHECK(f.subject ==
        std::string(kNihongo) + "\xE3\x81\xAE\xE4\xBB\xB6\xE5\x90\x8D");  // 日本語の件名
  CHECK(f.from == "\"" + std::string(kNihongo) + "\" <jp@example.jp>");
  CHECK(make_body(m, {}).data == std::string(kNihongo) + "\r\n");
}

TEST_CASE("ISO-2022-JP body in base64") {
  std::string msg =
      "From: a@example.jp\r\nSubject: jis\r\n"
      "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "GyRCRnxLXDhsGyhC\r\n";
  auto m = test::parse_ok(msg);
  CHECK(make_body(m, {}).data == kNihongo);
}

TEST_CASE("raw 8-bit header and broken RFC 2047 charset stay readable") {
  std::string msg =
      "From: J\xFCrgen <j@example.de>\r\n"
      "Subject: =?x-unknown?Q?abc?= caf\xC3\xA9\r\n\r\nx\r\n";
  auto m = test::parse_ok(msg);
  auto f = extract_email_fields(m, {});
  CHECK(f.from == "\"J\xC3\xBCrgen\" <j@example.de>");
  CHECK(f.subject.find("caf\xC3\xA9") != std::string::npos);
}

TEST_CASE("RFC 2231 encoded and continued file name") {
  std::string msg =
      "From: a@example.test\r\nSubject: att\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--b\r\nContent-Type: application/octet-stream\r\n"
      "Content-Disposition: attachment;\r\n"
      " filename*0*=iso-8859-1''Gr%FC%DFe%20aus;\r\n"
      " filename*1=\" M\xC3\xBCnchen.txt\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b--\r\n";
  auto m = test::parse_ok(msg);
  auto atts = list_attachments(m);
  REQUIRE(atts.size() == 1);
  CHECK(atts[0].display_name.rfind("Gr\xC3\xBC\xC3\x9F"
                                   "e aus",
                                   0) == 0);
  auto data = extract_attachment(m, atts[0].file_reference);
  REQUIRE(data.is_ok());
  CHECK(data->data == "hello");
}

}  // namespace easgate::mime
