#include "gateway/eas/protocol_version.h"

namespace easgate {
namespace {

constexpr uint8_t kKnown[] = {25, 120, 121, 140, 141, 160, 161};

bool known(uint8_t code) {
  for (uint8_t k : kKnown) {
    if (k == code) return true;
  }
  return false;
}

}  // namespace

std::optional<ProtocolVersion> ProtocolVersion::parse(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 2 != text.size()) return std::nullopt;
  unsigned major = 0;
  for (char c : text.substr(0, dot)) {
    if (c < '0' || c > '9' || major > 100) return std::nullopt;
    major = major * 10 + static_cast<unsigned>(c - '0');
  }
  char minor = text[dot + 1];
  if (minor < '0' || minor > '9') return std::nullopt;
  unsigned code = major * 10 + static_cast<unsigned>(minor - '0');
  if (code > 255 || !known(static_cast<uint8_t>(code))) return std::nullopt;
  return ProtocolVersion{static_cast<uint8_t>(code)};
}

std::optional<ProtocolVersion> ProtocolVersion::from_byte(uint8_t byte) {
  if (!known(byte)) return std::nullopt;
  return ProtocolVersion{byte};
}

std::string ProtocolVersion::to_string() const {
  return std::to_string(code / 10) + "." + std::to_string(code % 10);
}

const char* all_protocol_versions_header() { return "2.5,12.0,12.1,14.0,14.1,16.0,16.1"; }

}  // namespace easgate
