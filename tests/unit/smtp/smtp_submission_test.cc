// SmtpMailSubmitter against a scripted fake server on the same event_base: the whole
// dialogue, every refusal the contract names, disconnects, hangs and hostile replies.

#include "backends/smtp/smtp_mail_submitter.h"

#include <doctest/doctest.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "backends/smtp/smtp_encoding.h"
#include "gateway/core/log.h"
#include "tests/unit/smtp/fake_smtp_server.h"

using namespace easgate;
using namespace easgate::testing;

namespace {

struct Loop {
  event_base* base = event_base_new();
  ~Loop() { event_base_free(base); }
};

const Credentials kAlice{"alice@example.test", "secret"};
const std::string kAlicePlain =
    "AUTH PLAIN " + smtp_base64_encode(std::string("\0alice@example.test\0secret", 26));

SmtpOptions options_for(const FakeSmtpServer& server) {
  SmtpOptions o;
  o.host = "127.0.0.1";
  o.port = server.port();
  o.tls = SmtpTlsMode::kNone;
  o.timeout = std::chrono::milliseconds(2000);
  o.ehlo_name = "client.example.test";
  return o;
}

OutgoingMessage message_to(std::vector<std::string> to,
                           std::string body = "Subject: hi\r\n\r\nhello\r\n") {
  OutgoingMessage m;
  m.envelope_from = "alice@example.test";
  m.envelope_to = std::move(to);
  m.rfc822 = std::move(body);
  return m;
}

// Submits and runs the loop until the outcome and the connection's end; checks that the
// callback did not run inline.
Status submit(Loop& loop, const SmtpOptions& options, OutgoingMessage message,
              const Credentials& creds = kAlice) {
  auto submitter = SmtpMailSubmitter::create(loop.base, options);
  REQUIRE(submitter.is_ok());
  std::optional<Status> outcome;
  (*submitter)->submit(creds, std::move(message), [&](Status st) { outcome = std::move(st); });
  CHECK_FALSE(outcome.has_value());  // never inline
  REQUIRE(run_until(loop.base, [&] { return outcome.has_value(); }));
  REQUIRE(run_until(loop.base, [&] { return (*submitter)->in_flight() == 0; }));
  return *outcome;
}

// The happy path up to and including the recipients' 250s.
std::vector<SmtpStep> through_rcpt(std::vector<SmtpStep> s, size_t recipients = 1) {
  s.push_back(expect(kAlicePlain));
  s.push_back(send("235 2.7.0 Authentication successful\r\n"));
  s.push_back(expect("MAIL FROM:<alice@example.test>"));
  s.push_back(send("250 2.1.0 Ok\r\n"));
  for (size_t i = 0; i < recipients; ++i) {
    s.push_back(expect("RCPT TO:<"));
    s.push_back(send("250 2.1.5 Ok\r\n"));
  }
  return s;
}

}  // namespace

TEST_CASE("a message is submitted: EHLO, AUTH PLAIN, MAIL with SIZE, RCPT, DATA, QUIT") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = through_rcpt(greet_and_ehlo(), 2);
  s.push_back(expect("DATA"));
  s.push_back(send("354 End data with <CR><LF>.<CR><LF>\r\n"));
  s.push_back(read_data());
  s.push_back(send("250 2.0.0 Ok: queued as ABC\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 2.0.0 Bye\r\n"));
  server.add_script(s);
  Status st = submit(loop, options_for(server),
                     message_to({"bob@example.test", "carol@example.test"}));
  CHECK_MESSAGE(st.is_ok(), st.to_string());
  CHECK(server.errors().empty());
  REQUIRE(server.received().size() >= 4);
  CHECK(server.received()[0] == "EHLO client.example.test");
  CHECK(server.count_commands("MAIL FROM:<alice@example.test> SIZE=22") == 1);
  CHECK(server.count_commands("RCPT TO:<bob@example.test>") == 1);
  CHECK(server.count_commands("RCPT TO:<carol@example.test>") == 1);
  CHECK(server.data() == "Subject: hi\r\n\r\nhello\r\n.\r\n");
}

TEST_CASE("lines starting with '.' are dot-stuffed and bare LFs become CRLF on the wire") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = through_rcpt(greet_and_ehlo());
  s.push_back(expect("DATA"));
  s.push_back(send("354 go\r\n"));
  s.push_back(read_data());
  s.push_back(send("250 ok\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  Status st = submit(loop, options_for(server),
                     message_to({"bob@example.test"}, "Subject: dots\n\n.\n..two\n.three\nend"));
  CHECK_MESSAGE(st.is_ok(), st.to_string());
  CHECK(server.data() == "Subject: dots\r\n\r\n..\r\n...two\r\n..three\r\nend\r\n.\r\n");
}

TEST_CASE("535 to AUTH is auth_failed and nothing else is sent but QUIT") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = greet_and_ehlo();
  s.push_back(expect(kAlicePlain));
  s.push_back(send("535 5.7.8 Error: authentication failed\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  Status st = submit(loop, options_for(server), message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kAuthFailed);
  CHECK(server.errors().empty());
  CHECK(server.count_commands("MAIL") == 0);
}

TEST_CASE("AUTH LOGIN when the server offers no PLAIN") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = greet_and_ehlo({"AUTH LOGIN"});
  s.push_back(expect("AUTH LOGIN"));
  s.push_back(send("334 VXNlcm5hbWU6\r\n"));
  s.push_back(expect(smtp_base64_encode("alice@example.test")));
  s.push_back(send("334 UGFzc3dvcmQ6\r\n"));
  s.push_back(expect(smtp_base64_encode("secret")));
  s.push_back(send("535 5.7.8 no\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  Status st = submit(loop, options_for(server), message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kAuthFailed);
  CHECK(server.errors().empty());
}

TEST_CASE("a refused recipient is named and no DATA is sent") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = through_rcpt(greet_and_ehlo(), 1);
  s.push_back(expect("RCPT TO:<nobody@example.test>"));
  s.push_back(send("550 5.1.1 <nobody@example.test>: Recipient address rejected\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  Status st = submit(loop, options_for(server),
                     message_to({"bob@example.test", "nobody@example.test"}));
  CHECK(st.kind() == ErrorKind::kInvalidArgument);
  CHECK(st.message().find("recipient <nobody@example.test> refused") != std::string::npos);
  CHECK(server.count_commands("DATA") == 0);
  CHECK(server.errors().empty());
}

TEST_CASE("4xx at DATA is backend_unavailable (retryable)") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = through_rcpt(greet_and_ehlo());
  s.push_back(expect("DATA"));
  s.push_back(send("451 4.3.0 try later\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  Status st = submit(loop, options_for(server), message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kBackendUnavailable);
  CHECK(server.errors().empty());
}

TEST_CASE("552 after the data is too_large; SIZE over the announced limit fails before MAIL") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = through_rcpt(greet_and_ehlo());
  s.push_back(expect("DATA"));
  s.push_back(send("354 go\r\n"));
  s.push_back(read_data());
  s.push_back(send("552 5.3.4 Message too big\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  CHECK(submit(loop, options_for(server), message_to({"bob@example.test"})).kind() ==
        ErrorKind::kTooLarge);

  auto small = greet_and_ehlo({"SIZE 10", "AUTH PLAIN"});
  small.push_back(expect(kAlicePlain));
  small.push_back(send("235 ok\r\n"));
  small.push_back(expect("QUIT"));
  small.push_back(send("221 bye\r\n"));
  server.add_script(small);
  CHECK(submit(loop, options_for(server), message_to({"bob@example.test"})).kind() ==
        ErrorKind::kTooLarge);
  CHECK(server.count_commands("MAIL") == 1);  // only the first connection's
  CHECK(server.errors().empty());
}

TEST_CASE("disconnect while the message is being written: not sent") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = through_rcpt(greet_and_ehlo({"AUTH PLAIN"}));  // no SIZE: the size is the point
  s.push_back(expect("DATA"));
  s.push_back(send("354 go\r\n"));
  s.push_back(read_some(3));
  s.push_back(close_connection());
  server.add_script(s);
  // Larger than the socket buffers, so the client is still writing when the server goes.
  std::string body = "Subject: big\r\n\r\n";
  while (body.size() < 32u * 1024 * 1024) body += std::string(998, 'x') + "\r\n";
  Status st = submit(loop, options_for(server), message_to({"bob@example.test"}, body));
  CHECK(st.kind() == ErrorKind::kBackendUnavailable);
  CHECK(st.message().find("message data") != std::string::npos);
}

TEST_CASE("disconnect after the final dot: delivery unknown, never reported sent") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = through_rcpt(greet_and_ehlo());
  s.push_back(expect("DATA"));
  s.push_back(send("354 go\r\n"));
  s.push_back(read_data());
  s.push_back(close_connection());
  server.add_script(s);
  Status st = submit(loop, options_for(server), message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kBackendError);
  CHECK(st.message().find("delivery state unknown") != std::string::npos);
}

TEST_CASE("a server that stops answering is a timeout") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = greet_and_ehlo();
  s.push_back(hang());
  server.add_script(s);
  SmtpOptions o = options_for(server);
  o.timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  Status st = submit(loop, o, message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kTimeout);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(250));
}

TEST_CASE("a connection refused is backend_unavailable") {
  Loop loop;
  uint16_t port;
  {
    FakeSmtpServer gone(loop.base);
    port = gone.port();
  }
  SmtpOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = SmtpTlsMode::kNone;
  o.timeout = std::chrono::milliseconds(2000);
  Status st = submit(loop, o, message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kBackendUnavailable);
}

TEST_CASE("a multi-line EHLO reply split across reads, mid-line") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  std::vector<SmtpStep> s{send("220-fake.example.test ESMTP\r\n220 "), pause_ms(50),
                          send("second greeting line\r\n"), expect("EHLO "),
                          send("250-fake.example.test\r\n250-SI"), pause_ms(50),
                          send("ZE 1000\r\n250-AUTH PL"), pause_ms(50),
                          send("AIN\r\n250 8BITMIME\r\n")};
  s = through_rcpt(s);
  s.push_back(expect("DATA"));
  s.push_back(send("354 go\r\n"));
  s.push_back(read_data());
  s.push_back(send("250 ok\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  Status st = submit(loop, options_for(server), message_to({"bob@example.test"}));
  CHECK_MESSAGE(st.is_ok(), st.to_string());
  CHECK(server.count_commands("MAIL FROM:<alice@example.test> SIZE=22") == 1);
  CHECK(server.errors().empty());
}

TEST_CASE("oversized or endless replies are refused, not buffered") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  server.add_script({send("220 " + std::string(5000, 'x') + "\r\n"), hang()});
  std::string many = "220 hi\r\n";
  server.add_script({send("220 hi\r\n"), expect("EHLO"), send([] {
                       std::string r;
                       for (int i = 0; i < 500; ++i) r += "250-X" + std::to_string(i) + "\r\n";
                       return r + "250 END\r\n";
                     }()),
                     hang()});
  server.add_script({send("220 no end " + std::string(100000, 'y')), hang()});
  for (int i = 0; i < 3; ++i) {
    Status st = submit(loop, options_for(server), message_to({"bob@example.test"}));
    CAPTURE(i);
    CHECK(st.kind() == ErrorKind::kBackendError);
    CHECK(st.message().find("SMTP reply") != std::string::npos);
  }
}

TEST_CASE("EHLO refused: HELO fallback, then no AUTH means a clear error") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  server.add_script({send("220 old\r\n"), expect("EHLO client.example.test"),
                     send("502 unknown command\r\n"), expect("HELO client.example.test"),
                     send("250 old\r\n"), expect("QUIT"), send("221 bye\r\n")});
  Status st = submit(loop, options_for(server), message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kBackendError);
  CHECK(server.errors().empty());
}

TEST_CASE("STARTTLS configured but not offered: no credentials go out") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = greet_and_ehlo();
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  SmtpOptions o = options_for(server);
  o.tls = SmtpTlsMode::kStartTls;
  o.tls_verify = false;
  Status st = submit(loop, o, message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kBackendError);
  CHECK(server.count_commands("AUTH") == 0);
  CHECK(server.errors().empty());
}

TEST_CASE("bytes after the STARTTLS 220 are refused (command injection)") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = greet_and_ehlo({"STARTTLS", "AUTH PLAIN"});
  s.push_back(expect("STARTTLS"));
  s.push_back(send("220 go ahead\r\n250 injected\r\n"));
  s.push_back(hang());
  server.add_script(s);
  SmtpOptions o = options_for(server);
  o.tls = SmtpTlsMode::kStartTls;
  o.tls_verify = false;
  Status st = submit(loop, o, message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kBackendError);
  CHECK(st.message().find("after the STARTTLS") != std::string::npos);
}

TEST_CASE("bad envelope addresses are refused before connecting") {
  Loop loop;
  FakeSmtpServer server(loop.base);
  Status st = submit(loop, options_for(server),
                     message_to({"bob@example.test>\r\nRCPT TO:<evil@example.test"}));
  CHECK(st.kind() == ErrorKind::kInvalidArgument);
  CHECK(submit(loop, options_for(server), message_to({})).kind() == ErrorKind::kInvalidArgument);
  CHECK(server.accepted() == 0);
}

TEST_CASE("the password and the AUTH line never reach the log") {
  char path[] = "/tmp/easgate-smtp-log-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  REQUIRE(log_configure(LogLevel::kDebug, path));
  Loop loop;
  FakeSmtpServer server(loop.base);
  auto s = greet_and_ehlo({"AUTH LOGIN PLAIN"});
  s.push_back(expect(kAlicePlain));
  s.push_back(send("334 \r\n"));  // ignores the initial response and asks again
  s.push_back(expect(smtp_base64_encode(std::string("\0alice@example.test\0secret", 26))));
  s.push_back(send("535 no\r\n"));
  s.push_back(expect("QUIT"));
  s.push_back(send("221 bye\r\n"));
  server.add_script(s);
  Status st = submit(loop, options_for(server), message_to({"bob@example.test"}));
  CHECK(st.kind() == ErrorKind::kAuthFailed);
  CHECK(server.errors().empty());
  log_configure(LogLevel::kWarn, "");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path);
  CHECK(text.str().find("AUTH PLAIN <redacted>") != std::string::npos);
  CHECK(text.str().find("secret") == std::string::npos);
  CHECK(text.str().find(smtp_base64_encode(std::string("\0alice@example.test\0secret", 26))) ==
        std::string::npos);
}
