#include "gateway/config/config_error.h"

#include <algorithm>

namespace easgate {

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return out;
}

void sort_config_errors(std::vector<ConfigError>* errors) {
  std::stable_sort(errors->begin(), errors->end(), [](const ConfigError& a, const ConfigError& b) {
    if (a.line != b.line) return a.line < b.line;
    return a.column < b.column;
  });
}

}  // namespace easgate
