// `governance:` — groups, notice addresses, device limit, throttling; policies and device
// access rules are parsed by their own files.

#include "gateway/config/governance_internal.h"
#include "gateway/config/sections.h"

namespace easgate {

std::vector<std::pair<std::string, ConfigField>> map_entries(ConfigContext& ctx,
                                                              const ConfigField& field,
                                                              std::string_view expected) {
  std::vector<std::pair<std::string, ConfigField>> out;
  if (!field.present) return out;
  if (!field.node.IsMap()) {
    ctx.error(field.mark, field.path,
              std::string("is ") + std::string(node_kind(field.node)) + " (expected " +
                  std::string(expected) + ")");
    return out;
  }
  for (const auto& kv : field.node) {
    ConfigField value;
    value.node = kv.second;
    value.mark = kv.second.Mark().is_null() ? kv.first.Mark() : kv.second.Mark();
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    value.path = field.path + "." + key;
    value.present = kv.second.IsDefined() && !kv.second.IsNull();
    out.emplace_back(key, value);
  }
  return out;
}

namespace {

UserGroups parse_groups(ConfigContext& ctx, const ConfigField& field) {
  std::map<std::string, std::vector<std::string>> members;
  for (auto& [group, value] : map_entries(ctx, field, "a map of group -> list of users")) {
    std::vector<std::string>& users = members[group];
    for (const ConfigField& item : sequence_items(ctx, value, "a list of user addresses")) {
      std::string user;
      if (!item.present) {
        ctx.error(item.mark, item.path, "empty list item (expected a user address)");
      } else if (read_string(ctx, item, &user)) {
        users.push_back(user);
      }
    }
  }
  return UserGroups(std::move(members));
}

void parse_throttle(ConfigContext& ctx, const ConfigField& field, ThrottleSettings* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  m.boolean("enabled", Need::kOptional, &out->enabled);
  uint64_t per_minute = 0;
  if (m.uint("requests_per_minute", Need::kOptional, 1, 100000, &per_minute)) {
    out->requests_per_second = static_cast<double>(per_minute) / 60.0;
  }
  uint64_t burst = 0;
  if (m.uint("burst", Need::kOptional, 1, 100000, &burst)) out->burst = static_cast<double>(burst);
}

}  // namespace

void parse_governance_section(ConfigContext& ctx, const ConfigField& field,
                              GovernanceConfig* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  m.string("admin_email", Need::kOptional, &out->admin_email);
  m.string("notice_from", Need::kOptional, &out->notice_from);
  m.unsigned_value("max_devices_per_user", Need::kOptional, 0, 10000,
                   &out->max_devices_per_user);
  out->groups = parse_groups(ctx, m.field("groups", Need::kOptional, "a map"));
  parse_policies(ctx, m.field("policies", Need::kOptional, "a map"), out->groups,
                 &out->policies);
  parse_device_access(ctx, m.field("device_access", Need::kOptional, "a map"), out->groups,
                      &out->device_access);
  parse_throttle(ctx, m.field("throttle", Need::kOptional, "a map"), &out->throttle);
}

}  // namespace easgate
