#pragma once
// Pure parser for SMTP server replies (RFC 5321 4.2): turns the bytes read from the
// socket into complete, possibly multi-line replies, and reads EHLO capabilities from
// one. No I/O; the fuzz target tests/fuzz/smtp_reply_fuzz.cc drives it directly.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/status.h"

namespace easgate {

// Bounds on what a server may send, so a hostile or broken server cannot grow memory.
struct SmtpReplyLimits {
  // Longest reply line, CRLF included. RFC 5321 4.5.3.1.5 allows 512; servers exceed it
  // with long EHLO or rejection texts, so the default is generous but finite.
  size_t max_line = 2048;
  // Most lines in one multi-line reply (an EHLO reply is one line per extension).
  size_t max_lines = 128;
};

struct SmtpReply {
  // Three-digit reply code, 200..559 (RFC 5321 4.2: first digit 2-5, second 0-5).
  int code = 0;
  // Text of each line after "NNN " / "NNN-", in order; may be empty strings.
  std::vector<std::string> lines;

  // 2: positive completion, 3: intermediate, 4: transient failure, 5: permanent failure.
  int klass() const { return code / 100; }
  // "NNN first line[ / second line ...]" for messages and logs (never a credential:
  // servers do not echo AUTH data).
  std::string summary() const;
};

class SmtpReplyParser {
 public:
  explicit SmtpReplyParser(SmtpReplyLimits limits = {}) : limits_(limits) {}

  // Appends bytes read from the server.
  void feed(std::string_view bytes);
  // The next complete reply; nullopt when more bytes are needed; kMalformed when the
  // input breaks RFC 5321 4.2 or a limit. After an error every call returns it again.
  Result<std::optional<SmtpReply>> next();
  // Bytes received but not yet consumed by a complete reply.
  size_t buffered() const { return buffer_.size() - pos_; }

 private:
  SmtpReplyLimits limits_;
  std::string buffer_;
  size_t pos_ = 0;                 // start of the first unconsumed byte
  std::optional<Status> error_;    // sticky error
};

// What the server offers, from the lines of a 250 EHLO reply (RFC 5321 4.1.1.1: the first
// line is the greeting, each further line one extension keyword with parameters).
struct SmtpCapabilities {
  // The server understood EHLO (false after a HELO fallback: no extensions at all).
  bool extended = false;
  // SIZE (RFC 1870) offered.
  bool size = false;
  // SIZE parameter: largest accepted message in octets; 0 = no fixed limit announced.
  uint64_t size_limit = 0;
  // PIPELINING (RFC 2920).
  bool pipelining = false;
  // 8BITMIME (RFC 6152).
  bool eight_bit_mime = false;
  // SMTPUTF8 (RFC 6531).
  bool smtputf8 = false;
  // STARTTLS (RFC 3207).
  bool starttls = false;
  // ENHANCEDSTATUSCODES (RFC 2034).
  bool enhanced_status_codes = false;
  // SASL mechanisms from AUTH (RFC 4954), upper-cased, e.g. {"PLAIN", "LOGIN"}.
  std::vector<std::string> auth_mechanisms;

  bool has_auth(std::string_view mechanism) const;
};

// Reads the capabilities from an EHLO reply; unknown keywords are ignored.
SmtpCapabilities parse_ehlo_capabilities(const SmtpReply& reply);

}  // namespace easgate
