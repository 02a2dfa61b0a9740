#pragma once
// Helpers shared by the MIME unit tests.

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "backends/mime/mime_message.h"

namespace easgate::mime::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string horde(const std::string& name) {
  return read_file(std::string(EASGATE_HORDE_FIXTURES) + "/" + name);
}

inline std::string seed(const std::string& name) {
  return read_file(std::string(EASGATE_MIME_TEST_DATA) + "/" + name);
}

inline MimeMessage parse_ok(const std::string& bytes) {
  auto m = MimeMessage::parse(bytes);
  REQUIRE_MESSAGE(m.is_ok(), m.status().to_string());
  return std::move(m).value();
}

inline std::string hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace easgate::mime::test
