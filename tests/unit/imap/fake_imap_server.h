#pragma once
// The scripted IMAP server of the IMAP unit tests: the shared scripted server
// (tests/unit/support/scripted_server.h) reading tagged IMAP command lines.

#include <string>
#include <vector>

#include "tests/unit/support/scripted_server.h"

namespace easgate::testing {

// One step of an IMAP script ("$tag" in a kSend is the tag of the last expected line).
using FakeStep = ScriptStep;

// Greeting plus the usual Dovecot capabilities, for scripts that do not test them.
inline std::vector<FakeStep> greeting(
    const std::string& capabilities = "IMAP4rev1 SASL-IR LITERAL+ ENABLE IDLE AUTH=PLAIN") {
  return {send("* OK [CAPABILITY " + capabilities + "] fake ready\r\n")};
}

class FakeImapServer : public ScriptedServer {
 public:
  explicit FakeImapServer(event_base* base) : ScriptedServer(base, ScriptDialect::kImap) {}
};

}  // namespace easgate::testing
