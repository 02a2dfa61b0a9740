#include "gateway/auth/basic_authorization.h"

#include <openssl/crypto.h>

#include <cctype>
#include <cstdint>

namespace easgate {
namespace {

constexpr size_t kMaxHeader = 8 * 1024;

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict RFC 4648 4 base64: length a multiple of 4, '=' only as final padding, zero
// pad bits. Some clients omit padding; RFC 7617 does not allow that, but iOS and Android
// never do it either, so strictness costs nothing and rejects garbage early.
bool decode_base64(std::string_view in, std::string* out) {
  if (in.empty() || in.size() % 4 != 0) return false;
  size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() >= 2 && in[in.size() - 2] == '=') ++pad;
  out->clear();
  out->reserve(in.size() / 4 * 3);
  uint32_t bits = 0;
  int nbits = 0;
  for (size_t i = 0; i < in.size() - pad; ++i) {
    int v = b64_value(in[i]);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out->push_back(static_cast<char>((bits >> nbits) & 0xFF));
    }
  }
  // Leftover bits must be zero (canonical encoding).
  return (bits & ((1u << nbits) - 1)) == 0;
}

bool has_ctl(std::string_view s) {
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

namespace {

Result<Credentials> parse(std::string_view value, const std::string& default_domain) {
  if (value.size() > kMaxHeader) return Status::malformed("Authorization header too long");
  // credentials = auth-scheme 1*SP token68 (RFC 7235 2.1); the scheme is case-insensitive.
  size_t sp = value.find(' ');
  if (sp == std::string_view::npos || !iequals_ascii(value.substr(0, sp), "Basic"))
    return Status::malformed("Authorization is not the Basic scheme");
  std::string_view token = value.substr(sp);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);

  std::string decoded;
  if (!decode_base64(token, &decoded)) return Status::malformed("Basic credentials are not valid base64");
  struct Wipe {
    std::string& s;
    ~Wipe() { OPENSSL_cleanse(s.data(), s.size()); }
  } wipe{decoded};

  // RFC 7617 2: user-id may not contain ':'; the password may.
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return Status::malformed("Basic credentials lack ':'");
  std::string_view user(decoded.data(), colon);
  std::string_view password(decoded.data() + colon + 1, decoded.size() - colon - 1);
  if (has_ctl(user) || has_ctl(password))
    return Status::malformed("control character in Basic credentials");

  // MS-ASHTTP: devices send "DOMAIN\user" (Exchange habit) or a UPN "user@domain".
  size_t backslash = user.find('\\');
  if (backslash != std::string_view::npos) {
    if (user.find('\\', backslash + 1) != std::string_view::npos)
      return Status::malformed("more than one '\\' in user name");
    user.remove_prefix(backslash + 1);
  }
  if (user.empty()) return Status::malformed("empty user name");
  size_t at = user.find('@');
  if (at != std::string_view::npos) {
    if (user.find('@', at + 1) != std::string_view::npos)
      return Status::malformed("more than one '@' in user name");
    if (at == 0 || at + 1 == user.size()) return Status::malformed("empty local part or domain");
  }

  Credentials c;
  c.user.assign(user);
  if (at == std::string_view::npos && !default_domain.empty()) c.user += "@" + default_domain;
  c.password.assign(password);
  return c;
}

}  // namespace

Result<Credentials> parse_basic_authorization(std::string_view value,
                                              const std::string& default_domain) {
  Result<Credentials> r = parse(value, default_domain);
  // RFC 7235 3.1: unusable credentials are answered with 401, not 400.
  if (!r) return r.status().with_http_status(401);
  return r;
}

}  // namespace easgate
