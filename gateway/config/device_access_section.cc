// `governance.device_access:` — the organization default and the ordered rules.
//
//   device_access:
//     default: allow                 # allow | block | quarantine
//     rules:
//       - name: block-wp
//         action: block
//         match:                     # all conditions must hold
//           device_type: { glob: "WP*" }    # or exact / prefix; a bare string is exact
//           user_agent: { prefix: "MSFT-WP" }

#include <set>

#include "gateway/config/governance_internal.h"

namespace easgate {
namespace {

constexpr EnumName<AccessAction> kActions[] = {
    {"allow", AccessAction::kAllow},
    {"block", AccessAction::kBlock},
    {"quarantine", AccessAction::kQuarantine},
};

constexpr EnumName<MatchField> kFields[] = {
    {"device_type", MatchField::kDeviceType}, {"device_model", MatchField::kDeviceModel},
    {"device_os", MatchField::kDeviceOs},     {"user_agent", MatchField::kUserAgent},
    {"user", MatchField::kUser},              {"group", MatchField::kGroup},
};

constexpr EnumName<MatchKind> kKinds[] = {
    {"exact", MatchKind::kExact},
    {"prefix", MatchKind::kPrefix},
    {"glob", MatchKind::kGlob},
};

bool parse_condition(ConfigContext& ctx, const std::string& key, const ConfigField& value,
                     const UserGroups& groups, MatchCondition* out) {
  std::vector<std::string_view> field_names;
  for (const auto& f : kFields) field_names.push_back(f.name);
  // A fresh field: assigning to a copied YAML::Node would write through to the tree.
  ConfigField key_field{YAML::Node(key), value.mark, value.path, true};
  size_t index = 0;
  if (!read_enum_name(ctx, key_field, field_names, &index)) return false;
  out->field = kFields[index].value;
  if (value.node.IsScalar()) {
    out->kind = MatchKind::kExact;
    if (!read_string(ctx, value, &out->pattern)) return false;
  } else {
    auto entries = map_entries(ctx, value, "a string, or a map with one of exact/prefix/glob");
    if (entries.size() != 1) {
      if (value.node.IsMap()) {
        ctx.error(value.mark, value.path, "needs exactly one of exact, prefix, glob");
      }
      return false;
    }
    ConfigField kind_field{YAML::Node(entries[0].first), entries[0].second.mark,
                           entries[0].second.path, true};
    if (!read_enum(ctx, kind_field, std::span<const EnumName<MatchKind>>(kKinds), &out->kind)) {
      return false;
    }
    if (!read_string(ctx, entries[0].second, &out->pattern)) return false;
  }
  if (out->field == MatchField::kGroup && out->kind == MatchKind::kExact &&
      !groups.has_group(out->pattern)) {
    ctx.error(value.mark, value.path,
              "unknown group \"" + out->pattern + "\" (define it under governance.groups)");
    return false;
  }
  return true;
}

}  // namespace

void parse_device_access(ConfigContext& ctx, const ConfigField& field, const UserGroups& groups,
                         DeviceAccessPolicy* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  m.enumeration("default", Need::kOptional, std::span<const EnumName<AccessAction>>(kActions),
                &out->default_action);
  std::set<std::string> names;
  ConfigField rules = m.field("rules", Need::kOptional, "a list of rules");
  for (const ConfigField& item : sequence_items(ctx, rules, "a list of rules")) {
    MapReader r(ctx, item);
    if (!r.valid()) continue;
    DeviceAccessRule rule;
    bool ok = r.string("name", Need::kRequired, &rule.name);
    ok = r.enumeration("action", Need::kRequired,
                       std::span<const EnumName<AccessAction>>(kActions), &rule.action) && ok;
    ConfigField match = r.field("match", Need::kRequired, "a map of conditions");
    for (auto& [key, value] : map_entries(ctx, match, "a map of field -> pattern")) {
      MatchCondition c;
      if (parse_condition(ctx, key, value, groups, &c)) {
        rule.conditions.push_back(std::move(c));
      } else {
        ok = false;
      }
    }
    if (ok && !names.insert(rule.name).second) {
      ctx.error(item.mark, item.path + ".name", "rule \"" + rule.name + "\" is defined twice");
      ok = false;
    }
    if (ok) out->rules.push_back(std::move(rule));
  }
}

}  // namespace easgate
