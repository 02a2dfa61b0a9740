#include "backends/imap/mailbox_name.h"

#include <doctest/doctest.h>

using namespace easgate;

TEST_CASE("modified UTF-7 decoding (RFC 3501 5.1.3)") {
  CHECK(*mutf7_to_utf8("INBOX") == "INBOX");
  CHECK(*mutf7_to_utf8("Entw&APw-rfe") == "Entw\xC3\xBC" "rfe");
  CHECK(*mutf7_to_utf8("Tom &- Jerry") == "Tom & Jerry");
  // RFC 3501 example: "~peter/mail/&U,BTFw-/&ZeVnLIqe-" (Japanese).
  CHECK(*mutf7_to_utf8("~peter/mail/&U,BTFw-/&ZeVnLIqe-") ==
        "~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  // Surrogate pair: U+1F600.
  CHECK(*mutf7_to_utf8("&2D3eAA-") == "\xF0\x9F\x98\x80");

  CHECK(!mutf7_to_utf8("&APw").is_ok());         // unterminated
  CHECK(!mutf7_to_utf8("&AP!-").is_ok());        // bad base64 char
  CHECK(!mutf7_to_utf8("&AGE-").is_ok());        // encodes printable 'a'
  CHECK(!mutf7_to_utf8("&2D0-").is_ok());        // lone high surrogate
  CHECK(!mutf7_to_utf8("caf\xC3\xA9").is_ok());  // raw 8-bit
  CHECK(!mutf7_to_utf8("&APx-").is_ok());        // non-zero pad bits
}

TEST_CASE("modified UTF-7 encoding round-trips") {
  const char* names[] = {"INBOX", "Entw\xC3\xBCrfe", "a&b", "\xF0\x9F\x98\x80 smile",
                         "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"};
  for (const char* n : names) {
    auto enc = utf8_to_mutf7(n);
    REQUIRE(enc.is_ok());
    auto dec = mutf7_to_utf8(*enc);
    REQUIRE(dec.is_ok());
    CHECK(*dec == n);
  }
  CHECK(*utf8_to_mutf7("Entw\xC3\xBCrfe") == "Entw&APw-rfe");
  CHECK(!utf8_to_mutf7("\xC3").is_ok());
  CHECK(!utf8_to_mutf7("\xC0\x80").is_ok());  // overlong
}

TEST_CASE("hierarchy helpers") {
  CHECK(mailbox_leaf("Archive/2024", '/') == "2024");
  CHECK(mailbox_parent("Archive/2024", '/') == "Archive");
  CHECK(mailbox_parent("INBOX", '/') == "");
  CHECK(mailbox_leaf("INBOX.Sent", '.') == "Sent");
  CHECK(mailbox_leaf("a/b", 0) == "a/b");
}
