#include <array>

#include "gateway/config/sections.h"

namespace easgate {
namespace {

constexpr std::array<EnumName<LogLevel>, 4> kLevels{{
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"error", LogLevel::kError},
}};

}  // namespace

void parse_log_section(ConfigContext& ctx, const ConfigField& field, LogConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  m.enumeration<LogLevel>("level", Need::kOptional, kLevels, &out->level);
  // Empty or absent means stderr (journald captures it under systemd).
  ConfigField file = m.field("file", Need::kOptional, "a log file path");
  if (file.present && !(file.node.IsScalar() && file.node.Scalar().empty())) {
    read_path(ctx, file, false, "a log file path", &out->file);
  }
  m.boolean("request_log", Need::kOptional, &out->request_log);
}

}  // namespace easgate
