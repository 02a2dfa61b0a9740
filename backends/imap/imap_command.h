#pragma once
// Builds IMAP command text (RFC 3501 9 "command") with correct quoting: every string
// argument is sent as a quoted string when it is 7-bit without CR/LF, otherwise as a
// literal ({n} synchronising, or {n+} with LITERAL+, RFC 7888).

#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace easgate {

struct ImapCommand {
  // Wire pieces without the tag. After each piece but the last, the client waits for a
  // "+" continuation before sending the next one (synchronising literal or SASL step).
  // The last piece ends with CRLF.
  std::vector<std::string> chunks;
  // What a debug log may show; never credentials ("LOGIN <redacted>").
  std::string log_text;
  // The command authenticates: a tagged NO means the credentials were refused.
  bool authenticating = false;
};

class ImapCommandBuilder {
 public:
  // `literal_plus`: the server offers LITERAL+ (or LITERAL-, for literals <= 4096 bytes).
  explicit ImapCommandBuilder(bool literal_plus) : literal_plus_(literal_plus) {}

  // Appends a keyword or atom as is, preceded by SP unless it is the first word.
  ImapCommandBuilder& atom(std::string_view word);
  // Appends an astring argument (mailbox name, user name, password) quoted or as a literal.
  ImapCommandBuilder& string(std::string_view value);
  // Appends a literal whatever the content (APPEND message data, RFC 3501 6.3.11).
  ImapCommandBuilder& literal(std::string_view value);
  // Appends raw text, e.g. "(UIDVALIDITY MESSAGES)", preceded by SP.
  ImapCommandBuilder& raw(std::string_view text);
  // Marks the command as carrying secrets; the log shows only `log_text`.
  ImapCommandBuilder& redact(std::string log_text);

  // Finishes the command. Malformed when an argument holds a NUL byte (not sendable).
  Result<ImapCommand> build();

 private:
  void separator();
  ImapCommandBuilder& add_string(std::string_view value, bool force_literal);

  bool literal_plus_;
  bool first_ = true;
  bool redacted_ = false;
  bool invalid_ = false;
  std::string log_text_;
  std::vector<std::string> chunks_{std::string()};
};

// Base64 (RFC 4648, with padding) for SASL (RFC 4422 / RFC 3501 6.2.2).
std::string imap_base64_encode(std::string_view data);

}  // namespace easgate
