// Fuzzes the config loader's governance sections (groups, policies, device_access,
// throttle, limits) through parse_config_text: a fixed valid base config with the input
// appended as further top-level YAML (seeds start with "governance:"). Whatever the input,
// the loader must answer with a config or with errors, never crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/config_loader.h"

namespace {

constexpr std::string_view kBase = R"(server:
  listeners:
    - {name: eas, address: 127.0.0.1, port: 18080, role: eas}
    - {name: admin, address: 127.0.0.1, port: 19464, role: admin}
backends:
  imap: {host: 127.0.0.1, port: 10143, tls: none}
  smtp: {host: 127.0.0.1, port: 10587, tls: none}
store: {driver: sqlite, path: /tmp/fuzz.sqlite}
admin: {token: fuzz-token-0123456789}
)";

// No I/O while fuzzing: no variables are set and no file is readable.
easgate::ConfigEnvironment quiet_environment() {
  easgate::ConfigEnvironment env;
  env.get_env = [](const std::string&) { return std::optional<std::string>(); };
  env.file_is_readable = [](const std::string&) { return false; };
  env.read_small_file = [](const std::string&) { return std::optional<std::string>(); };
  env.hardware_threads = 2;
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // configs are small; bigger inputs only slow the run
  static const easgate::ConfigEnvironment env = quiet_environment();
  std::string text(kBase);
  text.append(reinterpret_cast<const char*>(data), size);
  easgate::ConfigCheck check = easgate::parse_config_text(text, "fuzz.yaml", "/tmp", env);
  // A config and errors never come together.
  if (check.config.has_value() && !check.errors.empty()) __builtin_trap();
  return 0;
}
