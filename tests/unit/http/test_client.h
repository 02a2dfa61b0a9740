#pragma once
// Blocking loopback HTTP/1.1 client for the session tests: plain or TLS, with a receive
// timeout so a broken server fails the test instead of hanging it.

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

namespace easgate::test {

struct ClientResponse {
  int status = 0;         // 0 when no complete response arrived
  std::string head;       // status line + headers
  std::string body;
  bool closed = false;    // the server closed the connection after (or instead of) it
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port; with `tls`, completes a TLS handshake (no verification).
  TestClient(uint16_t port, bool tls = false);
  ~TestClient();
  bool connected() const { return fd_ >= 0; }
  void send(const std::string& bytes);
  // Reads one response (Content-Length framed, or until EOF when absent).
  ClientResponse read_response();
  // Reads exactly `n` bytes (or less on EOF/timeout).
  std::string read_exact(size_t n);
  // True when the server closes the connection (EOF) before the timeout.
  bool wait_eof();
  void close();
  const std::string& alpn() const { return alpn_; }

 private:
  // Fills buf_ with more bytes; false on EOF, error or timeout.
  bool fill();

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buf_;
  std::string alpn_;
};

// Writes a throwaway self-signed certificate + key (EC P-256) into `dir`; returns false on
// failure. Files: dir/cert.pem, dir/key.pem.
bool write_self_signed_cert(const std::string& dir);

}  // namespace easgate::test
