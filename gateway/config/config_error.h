#pragma once
// One problem found in a config file, positioned so an editor can jump to it:
//   easgate.yaml:12:5: server.listeners[1].port: 70000 is out of range 1..65535

#include <string>
#include <vector>

namespace easgate {

struct ConfigError {
  std::string file;      // the config path as the admin gave it
  int line = 0;          // 1-based; 0 when the problem has no position (file unreadable)
  int column = 0;        // 1-based; 0 when unknown
  std::string key_path;  // "server.listeners[1].port"; "" for file-level problems
  std::string message;   // what is wrong, with "(expected ...)" where that helps

  // "FILE:LINE:COLUMN: KEY.PATH: message" (position and key omitted when unknown).
  std::string to_string() const;
};

// Sorts by position so the report reads top to bottom like the file.
void sort_config_errors(std::vector<ConfigError>* errors);

}  // namespace easgate
