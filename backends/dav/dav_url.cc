#include "backends/dav/dav_url.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>

namespace easgate {

namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lenient: a '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

Result<std::string> resolve_dav_url(const std::string& base, std::string_view reference) {
  UrlHandle u(curl_url());
  if (!u) return Status::internal("curl_url failed");
  if (curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) {
    return Status::invalid_argument("cannot parse URL");
  }
  // With a URL already set, libcurl resolves a relative reference against it (RFC 3986 5.2)
  // and takes an absolute one as it is.
  const std::string ref(reference);
  if (ref.find('\0') != std::string::npos ||
      curl_url_set(u.get(), CURLUPART_URL, ref.c_str(), CURLU_ALLOW_SPACE) != CURLUE_OK) {
    return Status::invalid_argument("cannot resolve href " + ref);
  }
  char* out = nullptr;
  if (curl_url_get(u.get(), CURLUPART_URL, &out, 0) != CURLUE_OK || !out) {
    return Status::invalid_argument("cannot resolve href " + ref);
  }
  std::string result(out);
  curl_free(out);
  return result;
}

std::string dav_url_path(const std::string& url) {
  UrlHandle u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return {};
  char* path = nullptr;
  if (curl_url_get(u.get(), CURLUPART_PATH, &path, 0) != CURLUE_OK || !path) return "/";
  std::string result(path);
  curl_free(path);
  return result.empty() ? "/" : result;
}

std::string dav_path_key(std::string_view path) {
  std::string key = percent_decode(path);
  if (key.empty() || key.back() != '/') key.push_back('/');
  return key;
}

std::string dav_encode_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string dav_last_segment(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  return percent_decode(path);
}

}  // namespace easgate
