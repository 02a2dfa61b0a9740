#pragma once
// Settings of the IMAP backend; filled from the gateway config, immutable afterwards.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "backends/imap/imap_parser.h"

namespace easgate {

// How the connection to the IMAP server is secured.
enum class ImapTlsMode : uint8_t {
  kNone,      // plain TCP (dev stack, loopback only)
  kStartTls,  // plain connect, then STARTTLS (RFC 3501 6.2.1) before any credentials
  kImplicit,  // TLS from the first byte (port 993, RFC 8314)
};

struct ImapOptions {
  // Server host name or address literal.
  std::string host = "127.0.0.1";
  // Server port.
  uint16_t port = 143;
  // Transport security.
  ImapTlsMode tls = ImapTlsMode::kNone;
  // Verify the server certificate and host name (turn off only for a self-signed dev CA).
  bool tls_verify = true;
  // PEM file of trusted CAs; empty: the system store.
  std::string tls_ca_file;
  // TCP connect + TLS handshake + greeting must finish within this.
  std::chrono::milliseconds connect_timeout{10'000};
  // Each command must complete within this, or the session is dropped.
  std::chrono::milliseconds command_timeout{30'000};
  // Most open sessions (busy + idle) for one user on one worker.
  size_t max_sessions_per_user = 4;
  // Most open sessions on one worker, all users together.
  size_t max_sessions_total = 256;
  // An idle pooled session is logged out after this long without use.
  std::chrono::milliseconds idle_timeout{60'000};
  // Prefer AUTHENTICATE PLAIN over LOGIN when the server offers AUTH=PLAIN.
  bool prefer_sasl_plain = true;
  // Largest message or part fetch_message() returns; a bigger one fails with too_large
  // (capped below parser_limits.max_literal so a fetch never breaks the connection).
  uint64_t max_message_bytes = 32 * 1024 * 1024;
  // Most UIDs one SEARCH / VANISHED / COPYUID response may expand to.
  size_t max_uids = 10'000'000;
  // Parser limits for server responses.
  ImapParserLimits parser_limits;
};

}  // namespace easgate
