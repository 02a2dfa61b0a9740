#include "rules/policy/policy_set.h"

#include <algorithm>

namespace easgate {
namespace {

const ProvisioningPolicy& builtin_default() {
  static const ProvisioningPolicy kDefault;
  return kDefault;
}

}  // namespace

PolicySet::PolicySet() : default_name_(builtin_default().name) {}

PolicySet::PolicySet(std::vector<ProvisioningPolicy> policies, std::string default_name,
                     PolicyAssignments assignments)
    : policies_(std::move(policies)),
      default_name_(std::move(default_name)),
      configured_(!policies_.empty()) {
  for (auto& [user, policy] : assignments.by_user) {
    assignments_.by_user[ascii_lower(user)] = policy;
  }
  assignments_.by_group = std::move(assignments.by_group);
}

const ProvisioningPolicy* PolicySet::find(const std::string& name) const {
  for (const ProvisioningPolicy& p : policies_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const ProvisioningPolicy& PolicySet::effective_policy(
    const std::string& user, const std::vector<std::string>& groups) const {
  static const PolicyAssignments kNoOverrides;
  return effective_policy(user, groups, kNoOverrides);
}

const ProvisioningPolicy* PolicySet::by_user(const PolicyAssignments& a,
                                             const std::string& lower_user) const {
  auto it = a.by_user.find(lower_user);
  return it == a.by_user.end() ? nullptr : find(it->second);
}

const ProvisioningPolicy* PolicySet::by_group(const PolicyAssignments& a,
                                              const std::vector<std::string>& groups) const {
  for (const auto& [group, policy] : a.by_group) {
    if (std::find(groups.begin(), groups.end(), group) == groups.end()) continue;
    if (const ProvisioningPolicy* p = find(policy)) return p;
  }
  return nullptr;
}

const ProvisioningPolicy& PolicySet::effective_policy(const std::string& user,
                                                      const std::vector<std::string>& groups,
                                                      const PolicyAssignments& overrides) const {
  const std::string lower_user = ascii_lower(user);
  if (const ProvisioningPolicy* p = by_user(overrides, lower_user)) return *p;
  if (const ProvisioningPolicy* p = by_user(assignments_, lower_user)) return *p;
  if (const ProvisioningPolicy* p = by_group(overrides, groups)) return *p;
  if (const ProvisioningPolicy* p = by_group(assignments_, groups)) return *p;
  if (const ProvisioningPolicy* p = find(default_name_)) return *p;
  if (!policies_.empty()) return policies_.front();
  return builtin_default();
}

}  // namespace easgate
