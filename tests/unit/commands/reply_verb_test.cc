#include "gateway/commands/reply_verb.h"

#include <doctest/doctest.h>

#include <string>

namespace easgate {
namespace {

TEST_CASE("reply verb: reply to all only when the original's other recipients are included") {
  std::string original =
      "From: Carol <carol@example.test>\r\nTo: Alice <alice@example.test>, dave@example.test\r\n"
      "Cc: Bob <BOB@example.test>\r\nSubject: s\r\n\r\nx\r\n";
  auto reply = [](const std::string& to, const std::string& cc) {
    return "From: alice@example.test\r\nTo: " + to + "\r\n" +
           (cc.empty() ? "" : "Cc: " + cc + "\r\n") + "Subject: Re: s\r\n\r\ny\r\n";
  };
  const char* user = "alice@example.test";
  CHECK(reply_verb(original, reply("carol@example.test", ""), user) == kLastVerbReplyToSender);
  CHECK(reply_verb(original, reply("carol@example.test", "bob@example.test"), user) ==
        kLastVerbReplyToAll);
  CHECK(reply_verb(original, reply("carol@example.test", "Dave <dave@example.test>"), user) ==
        kLastVerbReplyToAll);
  // The user herself, or a new address, is not "all".
  CHECK(reply_verb(original, reply("carol@example.test", "alice@example.test"), user) ==
        kLastVerbReplyToSender);
  CHECK(reply_verb(original, reply("carol@example.test", "zed@example.test"), user) ==
        kLastVerbReplyToSender);
  // Unparsable input never fails the send: a plain reply is recorded.
  CHECK(reply_verb("", reply("carol@example.test", ""), user) == kLastVerbReplyToSender);
}

}  // namespace
}  // namespace easgate
