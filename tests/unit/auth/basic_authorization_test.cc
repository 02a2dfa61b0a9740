#include "gateway/auth/basic_authorization.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>

using namespace easgate;

namespace {

std::string b64(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<Credentials> parse(const std::string& userpass, const std::string& domain = "") {
  return parse_basic_authorization("Basic " + b64(userpass), domain);
}

}  // namespace

TEST_CASE("user name forms (MS-ASHTTP)") {
  struct Row {
    const char* userpass;
    const char* domain;
    const char* user;
    const char* password;
  } rows[] = {
      {"alice:secret", "", "alice", "secret"},
      {"alice:secret", "example.test", "alice@example.test", "secret"},
      {"CORP\\alice:secret", "example.test", "alice@example.test", "secret"},
      {"CORP\\alice@example.org:secret", "example.test", "alice@example.org", "secret"},
      {"alice@example.org:secret", "example.test", "alice@example.org", "secret"},
      {"alice:pa:ss:word", "", "alice", "pa:ss:word"},
      {"alice:", "", "alice", ""},
      {"b\xC3\xB6rje:p\xC3\xA4ss", "", "b\xC3\xB6rje", "p\xC3\xA4ss"},
  };
  for (const Row& r : rows) {
    auto c = parse(r.userpass, r.domain);
    REQUIRE_MESSAGE(c.is_ok(), r.userpass << ": " << c.status().message());
    CHECK(c->user == r.user);
    CHECK(c->password == r.password);
  }
  auto lower = parse_basic_authorization("basic " + b64("alice:x"), "");
  CHECK(lower.is_ok());
}

TEST_CASE("malformed Basic credentials are rejected with 401") {
  const std::string bad_userpass[] = {
      "alice",             // no colon
      ":secret",           // empty user
      "CORP\\:secret",     // empty user after domain
      "al\x01ice:secret",  // control char in user
      "alice:sec\nret",    // control char in password
      "a@b@c:secret",      // two '@'
      "A\\B\\alice:x",     // two '\'
      "@example.test:x",   // empty local part
      "alice@:x",          // empty domain
  };
  for (const std::string& u : bad_userpass) {
    auto c = parse(u);
    CHECK_MESSAGE(!c.is_ok(), u);
    if (!c.is_ok()) {
      CHECK(c.status().kind() == ErrorKind::kMalformed);
      CHECK(c.status().http_status() == 401);
    }
  }
  const char* bad_headers[] = {
      "Bearer abc",        "Basic",          "Basic ",        "Basic YWxpY2U6c2VjcmV0!",
      "Basic YWxpY2U6c2VjcmV0cw", "Basic YW=xpY2U6",  "Basic YQ==YQ==", "BasicYWxpY2U6c2VjcmV0",
      "Basic YR==",  // non-zero pad bits
  };
  for (const char* h : bad_headers) {
    auto c = parse_basic_authorization(h, "");
    CHECK_MESSAGE(!c.is_ok(), std::string(h));
  }
  CHECK(!parse_basic_authorization("Basic " + std::string(9000, 'A'), "").is_ok());
}
