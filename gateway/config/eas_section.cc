#include <algorithm>
#include <array>
#include <string_view>

#include "gateway/config/sections.h"

namespace easgate {
namespace {

using std::chrono::seconds;

// MS-ASHTTP 2.2.4.1.2.2: the versions a server may advertise, ascending.
constexpr std::array<std::string_view, 7> kKnownVersions{"2.5",  "12.0", "12.1", "14.0",
                                                         "14.1", "16.0", "16.1"};

void parse_versions(ConfigContext& ctx, const ConfigField& field, std::vector<std::string>* out) {
  if (!field.present) return;
  std::vector<ConfigField> items = sequence_items(ctx, field, "a list of versions such as 14.1");
  if (!field.node.IsSequence()) return;
  if (items.empty()) {
    ctx.error(field.mark, field.path, "empty list (expected at least one protocol version)");
    return;
  }
  std::vector<size_t> chosen;
  bool ok = true;
  for (const ConfigField& item : items) {
    size_t index = 0;
    if (!item.present) {
      ctx.error(item.mark, item.path, "empty list item (expected a protocol version)");
      ok = false;
    } else if (!read_enum_name(ctx, item, kKnownVersions, &index)) {
      ok = false;
    } else if (std::find(chosen.begin(), chosen.end(), index) != chosen.end()) {
      ctx.error(item.mark, item.path, "\"" + std::string(kKnownVersions[index]) +
                                          "\" is listed twice");
      ok = false;
    } else {
      chosen.push_back(index);
    }
  }
  if (!ok) return;
  std::sort(chosen.begin(), chosen.end());
  out->clear();
  for (size_t i : chosen) out->emplace_back(kKnownVersions[i]);
}

void parse_ping(ConfigContext& ctx, const ConfigField& field, PingConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  m.duration("min_heartbeat", Need::kOptional, seconds(1), seconds(3600), &out->min_heartbeat);
  m.duration("max_heartbeat", Need::kOptional, seconds(1), seconds(3600), &out->max_heartbeat);
  // MS-ASCMD 2.2.3.102: MaxFolders is the server's limit on folders in one Ping.
  m.unsigned_value("max_folders", Need::kOptional, 1, 5000, &out->max_folders);
  if (out->min_heartbeat > out->max_heartbeat) {
    ctx.error(m.field("min_heartbeat", Need::kOptional, "").mark, m.path() + ".min_heartbeat",
              "min_heartbeat is longer than max_heartbeat");
  }
}

}  // namespace

void parse_eas_section(ConfigContext& ctx, const ConfigField& field, EasConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  parse_versions(ctx, m.field("protocol_versions", Need::kOptional, "a list"),
                 &out->protocol_versions);
  parse_ping(ctx, m.field("ping", Need::kOptional, "a map"), &out->ping);
}

}  // namespace easgate
