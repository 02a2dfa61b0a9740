#pragma once
// Named provisioning policies, the default, and who gets which: a user assignment wins
// over a group assignment, which wins over the default. When several of a user's groups
// are assigned, the first group in YAML order wins (stated so admins can predict it).
// Assignments made through the admin API (`overrides`) are consulted before the YAML's at
// each level: API user, YAML user, API group (list order), YAML group, default.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rules/groups/user_groups.h"
#include "rules/policy/provisioning_policy.h"

namespace easgate {

struct PolicyAssignments {
  std::map<std::string, std::string> by_user;                // lower-cased user -> policy name
  std::vector<std::pair<std::string, std::string>> by_group;  // (group, policy), first wins
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
  // With admin API assignments; an override naming a policy that is not (or no longer)
  // defined is skipped, so a YAML edit never leaves a user without a policy.
  const ProvisioningPolicy& effective_policy(const std::string& user,
                                             const std::vector<std::string>& groups,
                                             const PolicyAssignments& overrides) const;
  const ProvisioningPolicy* find(const std::string& name) const;
  const std::vector<ProvisioningPolicy>& policies() const { return policies_; }
  const std::string& default_name() const { return default_name_; }
  const PolicyAssignments& assignments() const { return assignments_; }

 private:
  // The policy `a` assigns to the (lower-cased) user / to the first listed group the user
  // is in; nullptr when none or when it names an undefined policy.
  const ProvisioningPolicy* by_user(const PolicyAssignments& a,
                                    const std::string& lower_user) const;
  const ProvisioningPolicy* by_group(const PolicyAssignments& a,
                                     const std::vector<std::string>& groups) const;

  std::vector<ProvisioningPolicy> policies_;
  std::string default_name_;
  PolicyAssignments assignments_;
  bool configured_ = false;
};

}  // namespace easgate
