// Hostile input: every case must come back as Status::malformed with an offset, never a
// crash, a hang or a huge allocation. Run under -fsanitize=address,undefined too.
#include <doctest/doctest.h>

#include <string>

#include "gateway/eas/wbxml/wbxml_decoder.h"
#include "tests/unit/wbxml/test_support.h"

namespace easgate {
namespace {

using std::string_literals::operator""s;

const std::string kHeader = "\x03\x01\x6A\x00"s;

void expect_malformed(const std::string& in, const char* needle = nullptr) {
  auto r = decode_wbxml(in);
  CAPTURE(wbxml_test::hex(in));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == ErrorKind::kMalformed);
  CHECK(r.status().message().find("at offset ") != std::string::npos);
  if (needle != nullptr) {
    CAPTURE(r.status().message());
    CHECK(r.status().message().find(needle) != std::string::npos);
  }
}

TEST_CASE("truncation at every byte of every fixture") {
  int docs = 0;
  for (const std::string& name : wbxml_test::list_data_dir("fixtures/libwbxml-wbxml", ".wbxml")) {
    std::string full = wbxml_test::read_data_file("fixtures/libwbxml-wbxml/" + name);
    REQUIRE(decode_wbxml(full).is_ok());
    ++docs;
    for (size_t n = 0; n < full.size(); ++n) {
      auto r = decode_wbxml(std::string_view(full).substr(0, n));
      CAPTURE(name);
      CAPTURE(n);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().kind() == ErrorKind::kMalformed);
    }
  }
  CHECK(docs == 18);
}

TEST_CASE("header errors") {
  expect_malformed("", "empty");
  expect_malformed("\x07\x01\x6A\x00\x45\x01"s, "version");
  expect_malformed("\x03\x01\x04\x00\x45\x01"s, "charset");          // ISO-8859-1
  expect_malformed("\x03\x01\x83\x00\x00\x45\x01"s, "charset");      // 384 = ?
  expect_malformed("\x03\x01\x6A\x05" "ab"s, "string table");         // table past the end
  expect_malformed("\x03\x00\x05\x6A\x00\x45\x01"s, "public id");    // index, no table
  expect_malformed("\x03\x01\x6A"s);
}

TEST_CASE("bad multi-byte integers") {
  expect_malformed("\x03\x81\x81\x81\x81\x81\x01\x6A\x00\x45\x01"s, "longer than 5");
  expect_malformed("\x03\x01\x6A\x00\x00\x07\x56\xC3\x9F\xFF\xFF\xFF\x7F"s, "overflows");
  expect_malformed("\x03\x01\x6A\x00\x00\x07\x56\xC3\x80"s, "truncated multi-byte");
}

TEST_CASE("tokens EAS never uses") {
  expect_malformed(kHeader + "\xC5\x01\x01"s, "attributes");            // tag with attrs
  expect_malformed(kHeader + "\x85\x01"s, "attributes");
  expect_malformed(kHeader + "\x04\x00"s, "LITERAL");
  expect_malformed(kHeader + "\x44\x00\x01"s, "LITERAL");
  expect_malformed(kHeader + "\x45\x40\x61\x00\x01"s, "global token");  // EXT_I_0
  expect_malformed(kHeader + "\x45\x43\x01"s, "global token");          // PI
  expect_malformed(kHeader + "\x45\x80\x01\x01"s, "global token");      // EXT_T_0
  expect_malformed(kHeader + "\x45\xC0\x01"s, "global token");          // EXT_0
  expect_malformed(kHeader + "\x45\x83\x00\x01"s, "string table");      // STR_T, no table
  expect_malformed(kHeader + "\x45\x02\x00\x01"s, "Unicode");           // ENTITY 0
  expect_malformed(kHeader + "\x45\x02\x83\xB0\x00\x01"s, "Unicode");   // ENTITY U+D800
}

TEST_CASE("unknown pages and tokens") {
  expect_malformed(kHeader + "\x00\x1A\x45\x01"s, "unknown code page");
  expect_malformed(kHeader + "\x00\xFF\x45\x01"s, "unknown code page");
  expect_malformed(kHeader + "\x7F\x01"s, "unknown tag");                 // AirSync 0x3F
  expect_malformed(kHeader + "\x00\x11\x49\x01"s, "unknown tag");        // AirSyncBase 0x09
  expect_malformed(kHeader + "\x00\x19\x4F\x01"s, "unknown tag");        // Find 0x0F
}

TEST_CASE("structure errors") {
  expect_malformed(kHeader + "\x01"s, "END without");
  expect_malformed(kHeader + "\x45\x01\x45\x01"s, "after the root");
  expect_malformed(kHeader + "\x05\x05"s, "after the root");
  expect_malformed(kHeader + "\x45\x4B\x03" "1\x00\x01"s, "not closed");
  expect_malformed(kHeader + "\x45\x03" "t\x00\x4B\x01\x01"s, "mixed");
  expect_malformed(kHeader + "\x45\x4B\x03" "a\x00\xC3\x01" "b\x01\x01"s, "mixed");
  expect_malformed(kHeader + "\x03" "t\x00"s, "outside the root");
  expect_malformed(kHeader + "\x45\x03" "unterminated"s, "unterminated");
  expect_malformed(kHeader, "no root");
  expect_malformed(kHeader + "\x00"s, "SWITCH_PAGE");
}

TEST_CASE("10,000 levels of nesting stop at the depth limit") {
  std::string in = kHeader;
  for (int i = 0; i < 10000; ++i) in += '\x45';
  for (int i = 0; i < 10000; ++i) in += '\x01';
  expect_malformed(in, "deeper");
  // Exactly at the limit is fine.
  std::string ok = kHeader;
  for (int i = 0; i < 64; ++i) ok += '\x45';
  for (int i = 0; i < 64; ++i) ok += '\x01';
  CHECK(decode_wbxml(ok).is_ok());
  std::string one_more = kHeader;
  for (int i = 0; i < 64; ++i) one_more += '\x45';
  one_more += '\x05';
  for (int i = 0; i < 64; ++i) one_more += '\x01';
  expect_malformed(one_more, "deeper");
}

TEST_CASE("huge length prefixes are checked against the input before allocating") {
  // OPAQUE claiming 4 GiB - 1 with 3 bytes present; string table claiming 2 GiB.
  expect_malformed(kHeader + "\x45\xC3\x8F\xFF\xFF\xFF\x7F" "abc"s, "opaque data");
  expect_malformed("\x03\x01\x6A\x88\x80\x80\x80\x00\x45\x01"s, "string table");
  WbxmlLimits small;
  small.max_string = 10;
  auto r = decode_wbxml(kHeader + "\x45\xC3\x0B" "01234567890\x01"s, small);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message().find("size limit") != std::string::npos);
}

TEST_CASE("element count limit") {
  std::string in = kHeader + "\x45"s;
  for (int i = 0; i < 100; ++i) in += '\x05';
  in += '\x01';
  WbxmlLimits limits;
  limits.max_elements = 50;
  auto r = decode_wbxml(in, limits);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().message().find("too many elements") != std::string::npos);
  CHECK(decode_wbxml(in).is_ok());
}

}  // namespace
}  // namespace easgate
