#include "gateway/config/config_loader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "gateway/config/config_reader.h"
#include "gateway/config/sections.h"

namespace easgate {
namespace {

constexpr std::streamsize kMaxConfigBytes = 1 << 20;  // a config is hand-written; 1 MiB is absurd
constexpr std::streamsize kMaxSmallFileBytes = 64 * 1024;

std::optional<std::string> read_file_limited(const std::string& path, std::streamsize limit,
                                             std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (why) *why = std::strerror(errno);
    return std::nullopt;
  }
  std::string data(static_cast<size_t>(limit) + 1, '\0');
  in.read(data.data(), limit + 1);
  if (in.bad()) {
    if (why) *why = "read error";
    return std::nullopt;
  }
  data.resize(static_cast<size_t>(in.gcount()));
  if (static_cast<std::streamsize>(data.size()) > limit) {
    if (why) *why = "larger than " + std::to_string(limit) + " bytes";
    return std::nullopt;
  }
  return data;
}

// Needs that span sections: the admin listener is useless (and unsafe) without a token.
void check_cross_section(ConfigContext& ctx, const YAML::Node& root, const GatewayConfig& cfg) {
  // A zombie node (absent key) throws on IsMap(); IsDefined() is the safe test.
  const YAML::Node admin = root["admin"];
  const bool admin_map = admin.IsDefined() && admin.IsMap();
  if (admin_map && (admin["token"] || admin["token_file"])) return;  // admin section judged it
  for (size_t i = 0; i < cfg.server.listeners.size(); ++i) {
    if (cfg.server.listeners[i].role != ListenerRole::kAdmin) continue;
    const YAML::Mark mark = admin_map ? admin.Mark() : root.Mark();
    ctx.error(mark, "admin.token",
              "missing (expected token or token_file, because server.listeners[" +
                  std::to_string(i) + "] has role admin)");
    return;
  }
}

}  // namespace

ConfigEnvironment ConfigEnvironment::system() {
  ConfigEnvironment env;
  env.get_env = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  env.file_is_readable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), R_OK) == 0;
  };
  env.read_small_file = [](const std::string& path) {
    return read_file_limited(path, kMaxSmallFileBytes, nullptr);
  };
  env.hardware_threads = std::max(1u, std::thread::hardware_concurrency());
  return env;
}

ConfigCheck parse_config_text(std::string_view yaml, const std::string& file_label,
                              const std::string& base_dir, const ConfigEnvironment& env) {
  ConfigCheck check;
  ConfigContext ctx(file_label, base_dir, env);
  GatewayConfig cfg;
  cfg.source_path = file_label;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsDefined() || root.IsNull()) {
      ctx.error(YAML::Mark(), "", "the file is empty (expected a map with server, backends, store)");
    } else {
      ConfigField top;
      top.node = root;
      top.mark = root.Mark();
      top.present = true;
      {
        MapReader m(ctx, top);  // destroyed before errors are taken: reports unknown sections
        if (m.valid()) {
          parse_server_section(ctx, m.field("server", Need::kRequired, "a map with listeners"),
                               &cfg.server);
          parse_auth_section(ctx, m.field("auth", Need::kOptional, "a map"), &cfg.auth);
          parse_backends_section(ctx, m.field("backends", Need::kRequired, "a map with imap, smtp"),
                                 &cfg.backends);
          parse_store_section(ctx, m.field("store", Need::kRequired, "a map with path"),
                              &cfg.store);
          parse_log_section(ctx, m.field("log", Need::kOptional, "a map"), &cfg.log);
          parse_admin_section(ctx, m.field("admin", Need::kOptional, "a map"), &cfg.admin);
          parse_eas_section(ctx, m.field("eas", Need::kOptional, "a map"), &cfg.eas);
          parse_governance_section(ctx, m.field("governance", Need::kOptional, "a map"),
                                   &cfg.governance);
          parse_push_section(ctx, m.field("push", Need::kOptional, "a map"), &cfg.push);
          parse_directory_section(ctx, m.field("directory", Need::kOptional, "a map"),
                                  &cfg.directory);
          check_cross_section(ctx, root, cfg);
        }
      }
    }
  } catch (const YAML::Exception& e) {
    // ParserException carries the position of the syntax error; e.msg is without it.
    ctx.error(e.mark, "", "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    ctx.error(YAML::Mark::null_mark(), "", std::string("cannot parse: ") + e.what());
  }
  check.errors = ctx.take_errors();
  if (check.errors.empty()) check.config = std::move(cfg);
  return check;
}

ConfigCheck parse_config_file(const std::string& path, const ConfigEnvironment& env) {
  std::string why;
  std::optional<std::string> text = read_file_limited(path, kMaxConfigBytes, &why);
  if (!text) {
    ConfigCheck check;
    check.errors.push_back(ConfigError{path, 0, 0, "", "cannot read the config file: " + why});
    return check;
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  const std::string base_dir = ec ? std::string(".") : absolute.parent_path().string();
  return parse_config_text(*text, path, base_dir, env);
}

Result<GatewayConfig> load_config(const std::string& path, const ConfigEnvironment& env) {
  ConfigCheck check = parse_config_file(path, env);
  if (check.config) return std::move(*check.config);
  std::string message;
  for (const ConfigError& e : check.errors) {
    if (!message.empty()) message += '\n';
    message += e.to_string();
  }
  return Status::invalid_argument(message);
}

Result<GatewayConfig> load_config(const std::string& path) {
  return load_config(path, ConfigEnvironment::system());
}

std::vector<ConfigError> check_config(const std::string& path, const ConfigEnvironment& env) {
  return parse_config_file(path, env).errors;
}

std::vector<ConfigError> check_config(const std::string& path) {
  return check_config(path, ConfigEnvironment::system());
}

int run_check_config(const std::string& path, std::ostream& out, const ConfigEnvironment& env) {
  const std::vector<ConfigError> errors = check_config(path, env);
  if (errors.empty()) {
    out << path << ": ok\n";
    return 0;
  }
  for (const ConfigError& e : errors) out << e.to_string() << '\n';
  return 1;
}

int run_check_config(const std::string& path, std::ostream& out) {
  return run_check_config(path, out, ConfigEnvironment::system());
}

}  // namespace easgate
