#pragma once
// The `governance:` section as validated values: groups, provisioning policies, device
// access rules, per-user limits, throttling and the quarantine notice addresses. The types
// come from rules/ (pure logic); this header only bundles them for GatewayConfig.

#include <cstdint>
#include <string>

#include "rules/device_access/device_access.h"
#include "rules/groups/user_groups.h"
#include "rules/policy/policy_set.h"
#include "rules/throttle/token_bucket.h"

namespace easgate {

struct GovernanceConfig {
  // Quarantine notices go to the user and to this address ("" = the user only).
  std::string admin_email;
  // From: header of notices ("" = the user's own address). The envelope sender is always
  // the user, whose credentials submit the message.
  std::string notice_from;
  uint32_t max_devices_per_user = 0;  // 0 = unlimited; over it a NEW device gets 177 / 403
  UserGroups groups;                  // group -> member users
  PolicySet policies;                 // named policies, default, assignments
  DeviceAccessPolicy device_access;   // ordered rules + organization default
  ThrottleSettings throttle;          // off unless enabled
};

}  // namespace easgate
