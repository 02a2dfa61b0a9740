#include "backends/imap/mailbox_name.h"

#include <cstdint>
#include <vector>

namespace easgate {
namespace {

// RFC 3501 5.1.3: modified BASE64 uses ',' instead of '/'.
constexpr char kMb64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int mb64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one shifted run (between '&' and '-') into UTF-8.
Status decode_run(std::string_view run, std::string* out) {
  uint32_t bits = 0;
  int nbits = 0;
  std::vector<uint16_t> units;
  for (char c : run) {
    int v = mb64_value(c);
    if (v < 0) return Status::malformed("invalid character in modified UTF-7 run");
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 16) {
      nbits -= 16;
      units.push_back(static_cast<uint16_t>((bits >> nbits) & 0xFFFF));
    }
  }
  if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0)
    return Status::malformed("modified UTF-7 run has stray bits");
  if (units.empty()) return Status::malformed("empty modified UTF-7 run");
  for (size_t i = 0; i < units.size(); ++i) {
    uint32_t u = units[i];
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (i + 1 >= units.size() || units[i + 1] < 0xDC00 || units[i + 1] > 0xDFFF)
        return Status::malformed("unpaired UTF-16 surrogate in mailbox name");
      u = 0x10000 + ((u - 0xD800) << 10) + (units[i + 1] - 0xDC00);
      ++i;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return Status::malformed("unpaired UTF-16 surrogate in mailbox name");
    } else if (u >= 0x20 && u <= 0x7E) {
      // RFC 3501 5.1.3: printable US-ASCII must represent itself, never be encoded.
      return Status::malformed("modified UTF-7 encodes printable ASCII");
    }
    append_utf8(out, u);
  }
  return Status::ok();
}

}  // namespace

Result<std::string> mutf7_to_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    unsigned char uc = static_cast<unsigned char>(c);
    if (uc < 0x20 || uc > 0x7E) return Status::malformed("non-ASCII byte in modified UTF-7 name");
    if (c != '&') {
      out += c;
      continue;
    }
    size_t end = in.find('-', i + 1);
    if (end == std::string_view::npos) return Status::malformed("unterminated modified UTF-7 run");
    if (end == i + 1) {
      out += '&';  // "&-" is a literal ampersand
    } else {
      Status st = decode_run(in.substr(i + 1, end - i - 1), &out);
      if (!st) return st;
    }
    i = end;
  }
  return out;
}

Result<std::string> utf8_to_mutf7(std::string_view in) {
  std::string out;
  std::vector<uint16_t> pending;
  auto flush = [&]() {
    if (pending.empty()) return;
    out += '&';
    uint32_t bits = 0;
    int nbits = 0;
    for (uint16_t u : pending) {
      bits = (bits << 16) | u;
      nbits += 16;
      while (nbits >= 6) {
        nbits -= 6;
        out += kMb64[(bits >> nbits) & 0x3F];
      }
    }
    if (nbits > 0) out += kMb64[(bits << (6 - nbits)) & 0x3F];
    out += '-';
    pending.clear();
  };
  for (size_t i = 0; i < in.size();) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c <= 0x7E) {
      flush();
      if (c == '&') out += "&-";
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    uint32_t cp;
    size_t len;
    if (c < 0x80) { cp = c; len = 1; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; len = 2; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; len = 3; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; len = 4; }
    else return Status::malformed("invalid UTF-8 in mailbox name");
    if (i + len > in.size()) return Status::malformed("truncated UTF-8 in mailbox name");
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(in[i + k]);
      if ((cc & 0xC0) != 0x80) return Status::malformed("invalid UTF-8 in mailbox name");
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return Status::malformed("invalid UTF-8 in mailbox name");
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      pending.push_back(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      pending.push_back(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      pending.push_back(static_cast<uint16_t>(cp));
    }
  }
  flush();
  return out;
}

std::string_view mailbox_leaf(std::string_view name, char delimiter) {
  if (delimiter == 0) return name;
  size_t pos = name.rfind(delimiter);
  return pos == std::string_view::npos ? name : name.substr(pos + 1);
}

std::string_view mailbox_parent(std::string_view name, char delimiter) {
  if (delimiter == 0) return {};
  size_t pos = name.rfind(delimiter);
  return pos == std::string_view::npos ? std::string_view() : name.substr(0, pos);
}

}  // namespace easgate
