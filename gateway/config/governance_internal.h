#pragma once
// Shared by the governance section parsers (not a public header).

#include "gateway/config/config_reader.h"
#include "gateway/config/governance_config.h"

namespace easgate {

// `governance.policies:` — definitions, default, assign_users, assign_groups.
void parse_policies(ConfigContext& ctx, const ConfigField& field, const UserGroups& groups,
                    PolicySet* out);
// `governance.device_access:` — default and ordered rules.
void parse_device_access(ConfigContext& ctx, const ConfigField& field, const UserGroups& groups,
                         DeviceAccessPolicy* out);

// The (key, value) pairs of a free-form map (group names, user ids), each value as a field
// with its path. Not a map: one error, no pairs.
std::vector<std::pair<std::string, ConfigField>> map_entries(ConfigContext& ctx,
                                                              const ConfigField& field,
                                                              std::string_view expected);

}  // namespace easgate
