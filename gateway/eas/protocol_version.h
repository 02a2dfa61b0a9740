#pragma once
// EAS protocol versions (MS-ASHTTP 2.2.1.1.2.6): 2.5, 12.0, 12.1, 14.0, 14.1, 16.0, 16.1.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace easgate {

// Encoded as major*10 + minor, the same number the base64 query carries (141 = 14.1).
struct ProtocolVersion {
  uint8_t code = 0;

  static constexpr ProtocolVersion v2_5() { return {25}; }
  static constexpr ProtocolVersion v12_0() { return {120}; }
  static constexpr ProtocolVersion v12_1() { return {121}; }
  static constexpr ProtocolVersion v14_0() { return {140}; }
  static constexpr ProtocolVersion v14_1() { return {141}; }
  static constexpr ProtocolVersion v16_0() { return {160}; }
  static constexpr ProtocolVersion v16_1() { return {161}; }

  // "14.1" -> 141; nullopt for anything that is not one of the seven versions.
  static std::optional<ProtocolVersion> parse(std::string_view text);
  // Base64 query byte (MS-ASHTTP 2.2.1.1.1.1): 121 -> 12.1; nullopt when unknown.
  static std::optional<ProtocolVersion> from_byte(uint8_t byte);

  std::string to_string() const;
  bool valid() const { return code != 0; }

  friend constexpr auto operator<=>(ProtocolVersion a, ProtocolVersion b) = default;
};

// "2.5,12.0,12.1,14.0,14.1,16.0,16.1": the MS-ASProtocolVersions header value.
const char* all_protocol_versions_header();

}  // namespace easgate
