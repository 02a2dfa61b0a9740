#pragma once
// Server-side OpenSSL context for one listener: TLS 1.2+ only, forward-secret AEAD
// ciphers, SSL_MODE_RELEASE_BUFFERS (an idle TLS connection otherwise keeps ~34 KiB of
// record buffers, and we hold tens of thousands of Pings).
//
// Reload: reload() builds a new SSL_CTX from the same files and swaps it in; connections
// accepted afterwards use it, existing ones keep the one they started with (each SSL holds
// a reference). Intended for SIGHUP after a certificate renewal.
//
// Thread-safety: all methods may be called from any thread.

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

#include "gateway/core/status.h"

namespace easgate {

struct TlsConfig {
  std::string cert_chain_path;  // PEM: leaf certificate first, then intermediates
  std::string key_path;         // PEM private key matching the leaf certificate
};

class TlsContext {
 public:
  // Loads the certificate and key; fails with a message naming the file and OpenSSL's reason.
  static Result<std::shared_ptr<TlsContext>> create(TlsConfig config);

  // Rebuilds from the same paths. On failure the current context stays in use.
  Status reload();

  // A fresh server-side SSL for one accepted connection; nullptr when OpenSSL fails.
  SSL* new_ssl() const;

  const TlsConfig& config() const { return config_; }

 private:
  explicit TlsContext(TlsConfig config) : config_(std::move(config)) {}
  static Result<std::shared_ptr<SSL_CTX>> build(const TlsConfig& config);

  TlsConfig config_;
  mutable std::mutex mu_;         // guards ctx_ (the pointer, not the SSL_CTX)
  std::shared_ptr<SSL_CTX> ctx_;  // current context for new connections
};

}  // namespace easgate
