#pragma once
// Named provisioning policies, the default, and who gets which: a user assignment wins
// over a group assignment, which wins over the default. When several of a user's groups
// are assigned, the first group in YAML order wins (stated so admins can predict it).

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rules/groups/user_groups.h"
#include "rules/policy/provisioning_policy.h"

namespace easgate {

struct PolicyAssignments {
  std::map<std::string, std::string> by_user;                // lower-cased user -> policy name
  std::vector<std::pair<std::string, std::string>> by_group;  // (group, policy), YAML order
};

class PolicySet {
 public:
  // No policies: provisioning is not required and the built-in default policy is served
  // to clients that provision anyway.
  PolicySet();
  // `policies` must contain `default_name` and every assigned name (the config checker
  // guarantees it; unknown names fall back to the default).
  PolicySet(std::vector<ProvisioningPolicy> policies, std::string default_name,
            PolicyAssignments assignments);

  // True when at least one policy was configured: devices must provision before syncing.
  bool provisioning_required() const { return configured_; }
  // The policy `user` gets, given the groups the user is in. Reference valid for the
  // PolicySet's lifetime.
  const ProvisioningPolicy& effective_policy(const std::string& user,
                                             const std::vector<std::string>& groups) const;
  const ProvisioningPolicy& effective_policy(const std::string& user,
                                             const UserGroups& groups) const {
    return effective_policy(user, groups.groups_of(user));
  }
  const ProvisioningPolicy* find(const std::string& name) const;
  const std::vector<ProvisioningPolicy>& policies() const { return policies_; }
  const std::string& default_name() const { return default_name_; }
  const PolicyAssignments& assignments() const { return assignments_; }

 private:
  std::vector<ProvisioningPolicy> policies_;
  std::string default_name_;
  PolicyAssignments assignments_;
  bool configured_ = false;
};

}  // namespace easgate
