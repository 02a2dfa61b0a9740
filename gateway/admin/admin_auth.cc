#include "gateway/admin/admin_auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace easgate {

bool bearer_token_matches(std::string_view authorization, std::string_view expected) {
  if (expected.empty()) return false;
  constexpr std::string_view kScheme = "Bearer ";
  // RFC 7235 section 2.1: the scheme name is case-insensitive.
  if (authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char a = authorization[i], b = kScheme[i];
    if ((a | 0x20) != (b | 0x20)) return false;
  }
  std::string_view presented = authorization.substr(kScheme.size());
  while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
  while (!presented.empty() && presented.back() == ' ') presented.remove_suffix(1);
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

std::string admin_actor(std::string_view declared_name) {
  std::string name;
  for (char c : declared_name) {
    if (name.size() >= 64) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '@' || c == '-';
    if (ok) name += c;
  }
  return name.empty() ? "admin-api" : "admin-api/" + name;
}

}  // namespace easgate
