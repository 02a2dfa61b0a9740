#include <doctest/doctest.h>

#include "gateway/push/dovecot_push_event.h"

using namespace easgate;

TEST_CASE("the OX driver's messageNew body gives user and folder") {
  auto e = parse_dovecot_push_event(
      R"({"user":"alice","event":"messageNew","folder":"INBOX","imap-uidvalidity":1,)"
      R"("imap-uid":42,"from":"b@x","subject":"hi","snippet":"..."})");
  REQUIRE(e.is_ok());
  CHECK(e->user == "alice");
  CHECK(e->folder == "INBOX");
  CHECK(e->event == "messageNew");
  CHECK(push_user_id(e->user, "example.test") == "alice@example.test");
  CHECK(push_user_id("Bob@Example.TEST", "example.test") == "bob@example.test");
}

TEST_CASE("bodies without a user are refused") {
  CHECK_FALSE(parse_dovecot_push_event("").is_ok());
  CHECK_FALSE(parse_dovecot_push_event("[]").is_ok());
  CHECK_FALSE(parse_dovecot_push_event(R"({"folder":"INBOX"})").is_ok());
  CHECK_FALSE(parse_dovecot_push_event(R"({"user":""})").is_ok());
  CHECK_FALSE(parse_dovecot_push_event(R"({"user":42})").is_ok());
  CHECK_FALSE(parse_dovecot_push_event(R"({"user":"a",})").is_ok());
  auto no_folder = parse_dovecot_push_event(R"({"user":"a"})");
  REQUIRE(no_folder.is_ok());
  CHECK(no_folder->folder.empty());
}
