#include "tests/unit/http/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace easgate::test {

TestClient::TestClient(uint16_t port, bool tls) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  timeval tv{5, 0};  // a hung server fails the test after 5 s instead of hanging CI
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
  if (!tls) return;
  ctx_ = SSL_CTX_new(TLS_client_method());
  ssl_ = SSL_new(ctx_);
  static const unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(ssl_, kAlpn, sizeof kAlpn);
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) {
    close();
    return;
  }
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &proto, &len);
  alpn_.assign(reinterpret_cast<const char*>(proto), len);
}

TestClient::~TestClient() { close(); }

void TestClient::close() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  ssl_ = nullptr;
  ctx_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void TestClient::send(const std::string& bytes) {
  if (fd_ < 0) return;
  if (ssl_ != nullptr) {
    SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    return;
  }
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

bool TestClient::fill() {
  if (fd_ < 0) return false;
  char tmp[16384];
  ssize_t n = ssl_ != nullptr ? SSL_read(ssl_, tmp, sizeof tmp) : ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<size_t>(n));
  return true;
}

std::string TestClient::read_exact(size_t n) {
  while (buf_.size() < n && fill()) {
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, out.size());
  return out;
}

ClientResponse TestClient::read_response() {
  ClientResponse r;
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) {
      r.closed = true;
      return r;
    }
  }
  r.head = buf_.substr(0, end + 2);
  buf_.erase(0, end + 4);
  if (r.head.size() < 12) return r;
  int status = atoi(r.head.c_str() + 9);
  size_t cl = r.head.find("Content-Length: ");
  if (cl != std::string::npos) {
    size_t want = strtoul(r.head.c_str() + cl + 16, nullptr, 10);
    r.body = read_exact(want);
    if (r.body.size() != want) return r;
  } else {
    while (fill()) {
    }
    r.body = std::move(buf_);
    buf_.clear();
    r.closed = true;
  }
  r.status = status;
  return r;
}

bool TestClient::wait_eof() {
  while (fill()) {
  }
  if (fd_ < 0) return false;
  char c;
  ssize_t n = ssl_ != nullptr ? SSL_read(ssl_, &c, 1) : ::recv(fd_, &c, 1, 0);
  if (n == 0) return true;
  // SSL_read reports a close without close_notify as an error, not 0: count it as EOF
  // unless it was the receive timeout.
  return ssl_ != nullptr && n < 0 && errno != EAGAIN && errno != EWOULDBLOCK;
}

bool write_self_signed_cert(const std::string& dir) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return false;
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  bool ok = X509_sign(cert, key, EVP_sha256()) > 0;
  FILE* cf = fopen((dir + "/cert.pem").c_str(), "w");
  FILE* kf = fopen((dir + "/key.pem").c_str(), "w");
  ok = ok && cf != nullptr && kf != nullptr && PEM_write_X509(cf, cert) == 1 &&
       PEM_write_PrivateKey(kf, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (cf != nullptr) fclose(cf);
  if (kf != nullptr) fclose(kf);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace easgate::test
