#pragma once
// Entry points: read a YAML file into a validated GatewayConfig, or list everything wrong
// with it. yaml-cpp exceptions stop here; callers only see values.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/config_environment.h"
#include "gateway/config/config_error.h"
#include "gateway/config/gateway_config.h"
#include "gateway/core/status.h"

namespace easgate {

// The outcome of checking one document: the config when there were no errors.
struct ConfigCheck {
  std::optional<GatewayConfig> config;  // set iff errors is empty
  std::vector<ConfigError> errors;      // every problem, in file order
};

// Parses YAML text. `file_label` names it in errors; relative paths resolve against
// `base_dir`. Thread-safe (no shared state); never throws.
ConfigCheck parse_config_text(std::string_view yaml, const std::string& file_label,
                              const std::string& base_dir, const ConfigEnvironment& env);

// Reads `path` (at most 1 MiB) and parses it; relative paths in it resolve against the
// file's folder.
ConfigCheck parse_config_file(const std::string& path, const ConfigEnvironment& env);

// The validated config, or Status::invalid_argument whose message holds every error line
// (newline-separated).
Result<GatewayConfig> load_config(const std::string& path);
Result<GatewayConfig> load_config(const std::string& path, const ConfigEnvironment& env);

// Every problem in `path`; empty when the file is valid.
std::vector<ConfigError> check_config(const std::string& path);
std::vector<ConfigError> check_config(const std::string& path, const ConfigEnvironment& env);

// For `easgate --check-config FILE`: prints one line per error, or "FILE: ok".
// Returns 0 when valid, 1 otherwise.
int run_check_config(const std::string& path, std::ostream& out);
int run_check_config(const std::string& path, std::ostream& out, const ConfigEnvironment& env);

}  // namespace easgate
