#pragma once
// What config checking needs from the outside world, behind a seam so tests run the real
// checker against temp files and fake environment variables (STYLE.md habit 6).

#include <functional>
#include <optional>
#include <string>

namespace easgate {

struct ConfigEnvironment {
  // Environment variable lookup for ${NAME} expansion; nullopt when unset.
  std::function<std::optional<std::string>(const std::string& name)> get_env;
  // True when `path` names a readable regular file (TLS cert/key, token_file).
  std::function<bool(const std::string& path)> file_is_readable;
  // Whole contents of a small file (admin token_file); nullopt when unreadable.
  std::function<std::optional<std::string>(const std::string& path)> read_small_file;
  // CPU cores, the default for server.workers.
  unsigned hardware_threads = 1;

  // The process's real environment, file system and core count.
  static ConfigEnvironment system();
};

}  // namespace easgate
