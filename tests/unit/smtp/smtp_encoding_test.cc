// DATA payload, envelope checks and base64.

#include "backends/smtp/smtp_encoding.h"

#include <doctest/doctest.h>

using namespace easgate;

TEST_CASE("dot-stuffing and the end-of-data line") {
  CHECK(smtp_data_payload("a\r\n.b\r\n..\r\n.\r\nc\r\n") ==
        "a\r\n..b\r\n...\r\n..\r\nc\r\n.\r\n");
  CHECK(smtp_data_payload(".first") == "..first\r\n.\r\n");
  CHECK(smtp_data_payload("") == ".\r\n");
  // A dot that is not at a line start stays as it is.
  CHECK(smtp_data_payload("a.b\r\n") == "a.b\r\n.\r\n");
}

TEST_CASE("bare LF and bare CR become CRLF") {
  CHECK(smtp_data_payload("a\nb\n.c\n") == "a\r\nb\r\n..c\r\n.\r\n");
  CHECK(smtp_data_payload("a\rb\r\n\r\nc") == "a\r\nb\r\n\r\nc\r\n.\r\n");
  CHECK(smtp_message_size("a\nb") == 6);
  CHECK(smtp_message_size("a\r\nb\r\n") == 6);
  CHECK(smtp_message_size("") == 0);
}

TEST_CASE("envelope addresses that would break the SMTP path are refused") {
  CHECK(check_envelope_address("alice@example.test", false, "sender").is_ok());
  CHECK(check_envelope_address("\"a b\"@example.test", false, "sender").is_ok());
  CHECK(check_envelope_address("", true, "sender").is_ok());
  CHECK_FALSE(check_envelope_address("", false, "recipient").is_ok());
  for (const char* bad : {"a@b.test>\r\nRCPT TO:<evil@x", "a b@c", "a<b@c", "a@b\n", "\"a@b"}) {
    CAPTURE(bad);
    Status st = check_envelope_address(bad, false, "recipient");
    CHECK(st.kind() == ErrorKind::kInvalidArgument);
  }
  CHECK_FALSE(check_envelope_address(std::string(300, 'a'), false, "recipient").is_ok());
}

TEST_CASE("base64 for SASL") {
  CHECK(smtp_base64_encode("") == "");
  CHECK(smtp_base64_encode("f") == "Zg==");
  CHECK(smtp_base64_encode("fo") == "Zm8=");
  CHECK(smtp_base64_encode("foo") == "Zm9v");
  CHECK(smtp_base64_encode(std::string("\0alice\0secret", 13)) == "AGFsaWNlAHNlY3JldA==");
}
