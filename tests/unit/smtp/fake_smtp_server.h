#pragma once
// The scripted SMTP server of the SMTP unit tests: the shared scripted server
// (tests/unit/support/scripted_server.h) reading untagged SMTP command lines.

#include <string>
#include <vector>

#include "tests/unit/support/scripted_server.h"

namespace easgate::testing {

// One step of an SMTP script.
using SmtpStep = ScriptStep;

// "220 greeting" + EHLO answered with `extensions` (one per line) — the usual start.
inline std::vector<SmtpStep> greet_and_ehlo(const std::vector<std::string>& extensions = {
                                                "PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN",
                                                "8BITMIME"}) {
  std::string reply;
  std::vector<std::string> lines{"fake.example.test"};
  lines.insert(lines.end(), extensions.begin(), extensions.end());
  for (size_t i = 0; i < lines.size(); ++i)
    reply += "250" + std::string(i + 1 < lines.size() ? "-" : " ") + lines[i] + "\r\n";
  return {send("220 fake.example.test ESMTP\r\n"), expect("EHLO "), send(reply)};
}

class FakeSmtpServer : public ScriptedServer {
 public:
  explicit FakeSmtpServer(event_base* base) : ScriptedServer(base, ScriptDialect::kSmtp) {}
};

}  // namespace easgate::testing
