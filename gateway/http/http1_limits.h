#pragma once
// Per-listener limits of the HTTP/1.1 server side. Defaults suit EAS: bodies are WBXML or
// MIME (attachments via SendMail can be large), headers are small, a Ping is held for up
// to an hour but that is the handler's business, not a read timeout.

#include <chrono>
#include <cstddef>

namespace easgate {

struct Http1Limits {
  // Request line + headers (+ chunked trailers); more -> 431 (RFC 6585 section 5).
  size_t max_header_bytes = 16 * 1024;
  // Number of header fields; more -> 431.
  size_t max_header_count = 100;
  // Decoded body size; more -> 413 (RFC 9110 section 15.5.14).
  size_t max_body_bytes = 32 * 1024 * 1024;
  // Total time from the first byte of a request (or from accept, covering the TLS
  // handshake) until its headers are complete; a total deadline, not an inactivity timer,
  // so a slowloris client that trickles bytes is still cut off. -> 408 and close.
  std::chrono::milliseconds header_timeout{15'000};
  // Longest pause while a body is being received (inactivity: a phone on a slow link may
  // upload a big attachment for minutes, but it must keep making progress). -> 408.
  std::chrono::milliseconds body_timeout{30'000};
  // How long a keep-alive connection may sit between requests before it is closed silently.
  std::chrono::milliseconds idle_timeout{120'000};
  // Longest pause while the peer is not accepting response bytes; then the connection closes.
  std::chrono::milliseconds write_timeout{60'000};
  // After an error response that closes the connection, unread request bytes are drained
  // for at most this long so the peer sees the response and not a reset (RFC 9112 9.6).
  std::chrono::milliseconds linger_timeout{2'000};
};

}  // namespace easgate
