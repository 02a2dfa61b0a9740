// The client connection against a scripted fake server on the same event_base.

#include "backends/imap/imap_connection.h"

#include <doctest/doctest.h>
#include <event2/event.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "gateway/core/log.h"

#include "tests/unit/imap/fake_imap_server.h"

using namespace easgate;
using namespace easgate::testing;

namespace {

struct Loop {
  event_base* base = event_base_new();
  ~Loop() { event_base_free(base); }
};

ImapOptions options_for(const FakeImapServer& server) {
  ImapOptions o;
  o.host = "127.0.0.1";
  o.port = server.port();
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.command_timeout = std::chrono::milliseconds(2000);
  return o;
}

// Connects and logs in; returns the login reply.
ImapReply connect_and_login(Loop& loop, std::shared_ptr<ImapConnection> conn,
                            const Credentials& creds) {
  std::optional<ImapReply> connected, logged_in;
  conn->connect([&](ImapReply r) { connected = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return connected.has_value(); }));
  REQUIRE_MESSAGE(connected->state == ImapReplyState::kOk, connected->text);
  conn->login(creds, [&](ImapReply r) { logged_in = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return logged_in.has_value(); }));
  return *logged_in;
}

}  // namespace

TEST_CASE("LOGIN quotes credentials and maps NO to auth_failed") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto script = greeting("IMAP4rev1 ID");
  script.push_back(expect("LOGIN \"alice\" \"p\\\"w\\\\d\""));
  script.push_back(send("$tag NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"));
  server.add_script(script);
  ImapOptions o = options_for(server);
  auto conn = ImapConnection::create(loop.base, o, nullptr, nullptr);
  ImapReply r = connect_and_login(loop, conn, {"alice", "p\"w\\d"});
  CHECK(r.state == ImapReplyState::kAuthFailed);
  CHECK(r.code == "AUTHENTICATIONFAILED");
  CHECK(imap_reply_status(r, "login").kind() == ErrorKind::kAuthFailed);
  CHECK(server.errors().empty());
}

TEST_CASE("LOGIN sends 8-bit passwords as a synchronising literal") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto script = greeting("IMAP4rev1");
  script.push_back(expect("LOGIN \"alice\" {5}"));
  script.push_back(send("+ go ahead\r\n"));
  script.push_back(expect_raw("p\xC3\xA4ss"));
  script.push_back(send("$tag OK Logged in\r\n"));
  server.add_script(script);
  ImapOptions o = options_for(server);
  auto conn = ImapConnection::create(loop.base, o, nullptr, nullptr);
  ImapReply r = connect_and_login(loop, conn, {"alice", "p\xC3\xA4ss"});
  CHECK(r.state == ImapReplyState::kOk);
  CHECK(conn->authenticated());
  CHECK(server.errors().empty());
}

TEST_CASE("AUTHENTICATE PLAIN with and without SASL-IR") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto ir = greeting("IMAP4rev1 SASL-IR AUTH=PLAIN");
  ir.push_back(expect("AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA=="));
  ir.push_back(send("$tag OK [CAPABILITY IMAP4rev1 LIST-STATUS] Logged in\r\n"));
  server.add_script(ir);
  auto no_ir = greeting("IMAP4rev1 AUTH=PLAIN");
  no_ir.push_back(expect("AUTHENTICATE PLAIN"));
  no_ir.push_back(send("+ \r\n"));
  no_ir.push_back(expect_raw("AGFsaWNlAHNlY3JldA=="));
  no_ir.push_back(send("$tag NO [AUTHENTICATIONFAILED] nope\r\n"));
  server.add_script(no_ir);
  ImapOptions o = options_for(server);

  auto c1 = ImapConnection::create(loop.base, o, nullptr, nullptr);
  CHECK(connect_and_login(loop, c1, {"alice", "secret"}).state == ImapReplyState::kOk);
  CHECK(c1->has_capability("LIST-STATUS"));
  CHECK_FALSE(c1->has_capability("AUTH=PLAIN"));  // replaced by the post-login list

  auto c2 = ImapConnection::create(loop.base, o, nullptr, nullptr);
  CHECK(connect_and_login(loop, c2, {"alice", "secret"}).state == ImapReplyState::kAuthFailed);
  CHECK(server.errors().empty());
}

TEST_CASE("greeting without capabilities triggers CAPABILITY") {
  Loop loop;
  FakeImapServer server(loop.base);
  server.add_script({send("* OK ready\r\n"), expect("CAPABILITY"),
                     send("* CAPABILITY IMAP4rev1 IDLE\r\n$tag OK done\r\n")});
  ImapOptions o = options_for(server);
  auto conn = ImapConnection::create(loop.base, o, nullptr, nullptr);
  std::optional<ImapReply> connected;
  conn->connect([&](ImapReply r) { connected = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return connected.has_value(); }));
  CHECK(connected->state == ImapReplyState::kOk);
  CHECK(conn->has_capability("idle"));
}

TEST_CASE("disconnect in the middle of a response fails the command") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto script = greeting("IMAP4rev1");
  script.push_back(expect("NOOP"));
  script.push_back(send("* LIST (\\HasNoChildren) \"/\" {10}\r\nabc"));
  script.push_back(close_connection());
  server.add_script(script);
  ImapOptions o = options_for(server);
  auto conn = ImapConnection::create(loop.base, o, nullptr, nullptr);
  std::optional<ImapReply> connected, noop, after;
  conn->connect([&](ImapReply r) { connected = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return connected.has_value(); }));
  conn->send_simple("NOOP", [&](ImapReply r) { noop = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return noop.has_value(); }));
  CHECK(noop->state == ImapReplyState::kDisconnected);
  CHECK(conn->state() == ImapConnection::State::kClosed);
  // A command on a closed connection fails too, but never inline.
  conn->send_simple("NOOP", [&](ImapReply r) { after = std::move(r); });
  CHECK_FALSE(after.has_value());
  REQUIRE(run_until(loop.base, [&] { return after.has_value(); }));
  CHECK(after->state == ImapReplyState::kDisconnected);
}

TEST_CASE("a hanging server times the command out") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto script = greeting("IMAP4rev1");
  script.push_back(expect("NOOP"));
  script.push_back(hang());
  server.add_script(script);
  ImapOptions o = options_for(server);
  o.command_timeout = std::chrono::milliseconds(100);
  auto conn = ImapConnection::create(loop.base, o, nullptr, nullptr);
  std::optional<ImapReply> connected, noop;
  conn->connect([&](ImapReply r) { connected = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return connected.has_value(); }));
  conn->send_simple("NOOP", [&](ImapReply r) { noop = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return noop.has_value(); }));
  CHECK(noop->state == ImapReplyState::kTimeout);
  CHECK(imap_reply_status(*noop, "noop").kind() == ErrorKind::kTimeout);
}

TEST_CASE("a garbage response drops the connection") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto script = greeting("IMAP4rev1");
  script.push_back(expect("NOOP"));
  script.push_back(send("* LIST (((\r\n"));
  script.push_back(hang());
  server.add_script(script);
  ImapOptions o = options_for(server);
  auto conn = ImapConnection::create(loop.base, o, nullptr, nullptr);
  std::optional<ImapReply> connected, noop;
  conn->connect([&](ImapReply r) { connected = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return connected.has_value(); }));
  conn->send_simple("NOOP", [&](ImapReply r) { noop = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return noop.has_value(); }));
  CHECK(noop->state == ImapReplyState::kDisconnected);
  CHECK(noop->text.find("protocol error") != std::string::npos);
}

TEST_CASE("untagged responses are collected into the reply") {
  Loop loop;
  FakeImapServer server(loop.base);
  auto script = greeting("IMAP4rev1 ENABLE");
  script.push_back(expect("ENABLE CONDSTORE QRESYNC"));
  script.push_back(send("* ENABLED CONDSTORE QRESYNC\r\n$tag OK Enabled\r\n"));
  server.add_script(script);
  ImapOptions o = options_for(server);
  auto conn = ImapConnection::create(loop.base, o, nullptr, nullptr);
  std::optional<ImapReply> connected, enabled;
  conn->connect([&](ImapReply r) { connected = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return connected.has_value(); }));
  conn->send_simple("ENABLE CONDSTORE QRESYNC", [&](ImapReply r) { enabled = std::move(r); });
  REQUIRE(run_until(loop.base, [&] { return enabled.has_value(); }));
  CHECK(enabled->state == ImapReplyState::kOk);
  REQUIRE(enabled->untagged.size() == 1);
  CHECK(enabled->untagged[0].keyword == "ENABLED");
}

TEST_CASE("debug logs never contain the password") {
  char path[] = "/tmp/easgate_imap_log_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  REQUIRE(log_configure(LogLevel::kDebug, path));
  {
    Loop loop;
    FakeImapServer server(loop.base);
    auto login = greeting("IMAP4rev1");
    login.push_back(expect("LOGIN \"alice\" \"Hunter2pw\""));
    login.push_back(send("$tag OK done\r\n"));
    server.add_script(login);
    auto sasl = greeting("IMAP4rev1 AUTH=PLAIN");
    sasl.push_back(expect("AUTHENTICATE PLAIN"));
    sasl.push_back(send("+ \r\n"));
    sasl.push_back(expect_raw("AGFsaWNlAEh1bnRlcjJwdw=="));
    sasl.push_back(send("$tag OK done\r\n"));
    server.add_script(sasl);
    ImapOptions o = options_for(server);
    auto c1 = ImapConnection::create(loop.base, o, nullptr, nullptr);
    CHECK(connect_and_login(loop, c1, {"alice", "Hunter2pw"}).state == ImapReplyState::kOk);
    auto c2 = ImapConnection::create(loop.base, o, nullptr, nullptr);
    CHECK(connect_and_login(loop, c2, {"alice", "Hunter2pw"}).state == ImapReplyState::kOk);
    CHECK(server.errors().empty());
  }
  log_configure(LogLevel::kWarn, "");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path);
  CHECK(text.str().find("LOGIN <redacted>") != std::string::npos);
  CHECK(text.str().find("Hunter2pw") == std::string::npos);
  CHECK(text.str().find("AGFsaWNlAEh1bnRlcjJwdw==") == std::string::npos);
}
