#include "backends/imap/imap_command.h"

#include <openssl/evp.h>

namespace easgate {

void ImapCommandBuilder::separator() {
  if (!first_) chunks_.back() += ' ';
  first_ = false;
}

ImapCommandBuilder& ImapCommandBuilder::atom(std::string_view word) {
  separator();
  chunks_.back().append(word);
  return *this;
}

ImapCommandBuilder& ImapCommandBuilder::raw(std::string_view text) { return atom(text); }

ImapCommandBuilder& ImapCommandBuilder::string(std::string_view value) {
  return add_string(value, false);
}

ImapCommandBuilder& ImapCommandBuilder::literal(std::string_view value) {
  return add_string(value, true);
}

ImapCommandBuilder& ImapCommandBuilder::add_string(std::string_view value, bool force_literal) {
  separator();
  bool quotable = !force_literal;
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u == 0) invalid_ = true;
    if (u == 0 || u >= 0x80 || c == '\r' || c == '\n') quotable = false;
  }
  if (quotable) {
    // quoted = DQUOTE *QUOTED-CHAR DQUOTE, with "\" and DQUOTE escaped (RFC 3501 9).
    std::string& out = chunks_.back();
    out += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else {
    std::string size = std::to_string(value.size());
    if (literal_plus_) {
      chunks_.back() += "{" + size + "+}\r\n";
      chunks_.back().append(value);
    } else {
      chunks_.back() += "{" + size + "}\r\n";
      chunks_.emplace_back(value);
    }
  }
  return *this;
}

ImapCommandBuilder& ImapCommandBuilder::redact(std::string log_text) {
  redacted_ = true;
  log_text_ = std::move(log_text);
  return *this;
}

Result<ImapCommand> ImapCommandBuilder::build() {
  if (invalid_) return Status::malformed("IMAP command argument contains a NUL byte");
  ImapCommand cmd;
  chunks_.back() += "\r\n";
  cmd.chunks = std::move(chunks_);
  cmd.log_text = redacted_ ? log_text_ : cmd.chunks.front().substr(0, 200);
  while (!redacted_ && !cmd.log_text.empty() &&
         (cmd.log_text.back() == '\n' || cmd.log_text.back() == '\r'))
    cmd.log_text.pop_back();
  return cmd;
}

std::string imap_base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace easgate
