#pragma once
// Settings of the SMTP submission backend; filled from GatewayConfig::backends.smtp
// (gateway/server/worker_context.cc), immutable afterwards.

#include <chrono>
#include <cstdint>
#include <string>

#include "backends/smtp/smtp_reply_parser.h"

namespace easgate {

// How the connection to the submission server is secured.
enum class SmtpTlsMode : uint8_t {
  kNone,      // plain TCP (dev stack, loopback only); credentials go in clear
  kStartTls,  // plain connect, then STARTTLS (RFC 3207) before AUTH; never falls back
  kImplicit,  // TLS from the first byte (submissions port 465, RFC 8314 3.3)
};

struct SmtpOptions {
  // Server host name or address literal.
  std::string host = "127.0.0.1";
  // Server port: 587 (RFC 6409) or 465 with kImplicit.
  uint16_t port = 587;
  // Transport security.
  SmtpTlsMode tls = SmtpTlsMode::kStartTls;
  // Each step (connect, TLS handshake, every reply, progress while writing the message)
  // must finish within this.
  std::chrono::milliseconds timeout{60'000};
  // Verify the server certificate and host name (turn off only for a self-signed dev CA).
  bool tls_verify = true;
  // PEM file of trusted CAs; empty: the system store.
  std::string tls_ca_file;
  // Name sent in EHLO / HELO (RFC 5321 4.1.4); empty: this host's name.
  std::string ehlo_name;
  // Parser limits for server replies.
  SmtpReplyLimits reply_limits;
};

}  // namespace easgate
