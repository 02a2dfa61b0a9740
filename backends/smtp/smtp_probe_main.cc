// easgate_smtp_probe: submits one message with the backend code. For trying the client
// against a real server by hand and for tests/integration/test_smtp_backend.py; not
// installed.
//
//   EASGATE_SMTP_PASSWORD=secret easgate_smtp_probe [--host H] [--port P]
//       [--tls none|starttls|implicit] [--insecure] [--ca FILE] [--timeout MS]
//       [--subject S] [--message FILE] [--debug] --from ADDR --to ADDR [--to ADDR ...] user
// Without the environment variable the password is read from the first line of stdin
// (never from argv, where other users could see it in ps). Without --message a small
// text message with the given Subject is composed. Prints "sent" and exits 0, or prints
// "error: <kind>: <reason>" and exits 1; 2 for usage errors.

#include <event2/event.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "backends/smtp/smtp_mail_submitter.h"
#include "gateway/core/log.h"

using namespace easgate;

namespace {

int usage() {
  std::cerr << "usage: easgate_smtp_probe [--host H] [--port P] [--tls none|starttls|implicit]"
               " [--insecure] [--ca FILE] [--timeout MS] [--subject S] [--message FILE]"
               " [--debug] --from ADDR --to ADDR [--to ADDR ...] user\n";
  return 2;
}

std::string rfc5322_date() {
  char buf[64];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  SmtpOptions options;
  options.port = 10587;  // the dev stack (DESIGN.md "Dev stack contract")
  options.tls = SmtpTlsMode::kNone;
  std::string user, from, subject = "easgate_smtp_probe", message_file;
  std::vector<std::string> to;
  LogLevel level = LogLevel::kWarn;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--host" || a == "--port" || a == "--tls" || a == "--ca" || a == "--timeout" ||
        a == "--subject" || a == "--message" || a == "--from" || a == "--to") {
      v = need();
      if (!v) return usage();
    }
    if (a == "--host") {
      options.host = v;
    } else if (a == "--port") {
      options.port = static_cast<uint16_t>(std::atoi(v));
    } else if (a == "--tls") {
      std::string t = v;
      if (t == "none") options.tls = SmtpTlsMode::kNone;
      else if (t == "starttls") options.tls = SmtpTlsMode::kStartTls;
      else if (t == "implicit") options.tls = SmtpTlsMode::kImplicit;
      else return usage();
    } else if (a == "--ca") {
      options.tls_ca_file = v;
    } else if (a == "--timeout") {
      options.timeout = std::chrono::milliseconds(std::atol(v));
    } else if (a == "--subject") {
      subject = v;
    } else if (a == "--message") {
      message_file = v;
    } else if (a == "--from") {
      from = v;
    } else if (a == "--to") {
      to.emplace_back(v);
    } else if (a == "--insecure") {
      options.tls_verify = false;
    } else if (a == "--debug") {
      level = LogLevel::kDebug;
    } else if (!a.empty() && a[0] != '-' && user.empty()) {
      user = a;
    } else {
      return usage();
    }
  }
  if (user.empty() || to.empty()) return usage();
  if (from.empty()) from = user;
  log_configure(level, "");

  Credentials creds;
  creds.user = user;
  if (const char* p = std::getenv("EASGATE_SMTP_PASSWORD")) {
    creds.password = p;
  } else if (!std::getline(std::cin, creds.password)) {
    std::cerr << "no password (set EASGATE_SMTP_PASSWORD or pipe it on stdin)\n";
    return 2;
  }

  OutgoingMessage message;
  message.envelope_from = from;
  message.envelope_to = to;
  if (!message_file.empty()) {
    std::ifstream in(message_file, std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << message_file << "\n";
      return 2;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    message.rfc822 = ss.str();
  } else {
    std::string rcpts;
    for (const std::string& t : to) rcpts += (rcpts.empty() ? "" : ", ") + t;
    message.rfc822 = "From: " + from + "\r\nTo: " + rcpts + "\r\nSubject: " + subject +
                     "\r\nDate: " + rfc5322_date() +
                     "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                     "Sent by easgate_smtp_probe.\r\n.A line starting with a dot.\r\n";
  }

  event_base* base = event_base_new();
  int rc = 1;
  {
    auto submitter = SmtpMailSubmitter::create(base, options);
    if (!submitter) {
      std::cerr << "error: " << submitter.status().to_string() << "\n";
      event_base_free(base);
      return 1;
    }
    bool finished = false;
    (*submitter)->submit(creds, std::move(message), [&](Status st) {
      finished = true;
      if (st) {
        std::cout << "sent\n";
        rc = 0;
      } else {
        std::cerr << "error: " << st.to_string() << "\n";
      }
    });
    // Also let the QUIT finish so the server sees a clean session end.
    while ((!finished || (*submitter)->in_flight() > 0) &&
           event_base_loop(base, EVLOOP_ONCE) == 0) {
    }
  }
  event_base_free(base);
  return rc;
}
