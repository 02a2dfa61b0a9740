#pragma once
// A ConfigEnvironment backed by maps, so tests control env vars and which files exist.

#include <map>
#include <string>
#include <vector>

#include "gateway/config/config_environment.h"
#include "gateway/config/config_error.h"
#include "gateway/config/config_loader.h"

namespace easgate::test {

struct FakeEnvironment {
  std::map<std::string, std::string> vars;   // environment variables
  std::map<std::string, std::string> files;  // absolute path -> contents
  unsigned cores = 3;                        // hardware_threads

  ConfigEnvironment make() const {
    ConfigEnvironment env;
    env.get_env = [this](const std::string& n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    env.file_is_readable = [this](const std::string& p) { return files.count(p) != 0; };
    env.read_small_file = [this](const std::string& p) -> std::optional<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    env.hardware_threads = cores;
    return env;
  }
};

// Parses `yaml` as "t.yaml" in folder /cfg and returns the error lines.
inline std::vector<std::string> error_lines(const std::string& yaml,
                                            const FakeEnvironment& fake = {}) {
  ConfigEnvironment env = fake.make();
  ConfigCheck check = parse_config_text(yaml, "t.yaml", "/cfg", env);
  std::vector<std::string> lines;
  for (const ConfigError& e : check.errors) lines.push_back(e.to_string());
  return lines;
}

// The smallest valid config, to which tests append or in which they change lines.
inline std::string minimal_config() {
  return "server:\n"                      // 1
         "  listeners:\n"                 // 2
         "    - name: eas\n"              // 3
         "      address: 127.0.0.1\n"     // 4
         "      port: 8080\n"             // 5
         "backends:\n"                    // 6
         "  imap:\n"                      // 7
         "    host: imap.test\n"          // 8
         "  smtp:\n"                      // 9
         "    host: smtp.test\n"          // 10
         "store:\n"                       // 11
         "  path: state.sqlite\n";        // 12
}

}  // namespace easgate::test
