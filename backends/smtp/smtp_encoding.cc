#include "backends/smtp/smtp_encoding.h"

#include <openssl/crypto.h>

namespace easgate {

std::string smtp_data_payload(std::string_view rfc822) {
  std::string out;
  out.reserve(rfc822.size() + rfc822.size() / 64 + 8);
  bool line_start = true;
  for (size_t i = 0; i < rfc822.size(); ++i) {
    char c = rfc822[i];
    if (line_start && c == '.') out += '.';
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < rfc822.size() && rfc822[i + 1] == '\n') ++i;
      line_start = true;
    } else if (c == '\n') {
      out += "\r\n";
      line_start = true;
    } else {
      out += c;
      line_start = false;
    }
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

uint64_t smtp_message_size(std::string_view rfc822) {
  uint64_t n = 0;
  bool line_start = true;
  for (size_t i = 0; i < rfc822.size(); ++i) {
    char c = rfc822[i];
    if (c == '\r') {
      n += 2;
      if (i + 1 < rfc822.size() && rfc822[i + 1] == '\n') ++i;
      line_start = true;
    } else if (c == '\n') {
      n += 2;
      line_start = true;
    } else {
      ++n;
      line_start = false;
    }
  }
  if (!line_start) n += 2;
  return n;
}

bool has_8bit(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

Status check_envelope_address(std::string_view address, bool allow_empty, std::string_view what) {
  std::string name(what);
  if (address.empty()) {
    if (allow_empty) return Status::ok();
    return Status::invalid_argument(name + " address is empty");
  }
  if (address.size() > 256) return Status::invalid_argument(name + " address is too long");
  bool quoted = false;
  for (char c : address) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"') quoted = !quoted;
    if (u < 32 || u == 127 || c == '<' || c == '>' || (c == ' ' && !quoted))
      return Status::invalid_argument(name + " address '" + std::string(address) +
                                      "' contains a character not allowed in an SMTP path");
  }
  if (quoted) return Status::invalid_argument(name + " address has an unbalanced quote");
  return Status::ok();
}

std::string smtp_base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(data[i])) << 16) | (uint32_t(uint8_t(data[i + 1])) << 8) |
                 uint32_t(uint8_t(data[i + 2]));
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t(uint8_t(data[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(data[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string sasl_plain_response(std::string_view user, std::string_view password) {
  std::string message;
  message.reserve(user.size() + password.size() + 2);
  message += '\0';
  message += user;
  message += '\0';
  message += password;
  std::string b64 = smtp_base64_encode(message);
  OPENSSL_cleanse(message.data(), message.size());
  return b64;
}

}  // namespace easgate
