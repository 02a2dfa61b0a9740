#include "gateway/pipeline/governance_facts.h"

#include "gateway/pipeline/stored_governance.h"
#include "gateway/pipeline/worker_services.h"

namespace easgate {

DeviceAccessState to_store_state(AccessAction action) {
  switch (action) {
    case AccessAction::kAllow: return DeviceAccessState::kAllowed;
    case AccessAction::kBlock: return DeviceAccessState::kBlocked;
    case AccessAction::kQuarantine: return DeviceAccessState::kQuarantined;
  }
  return DeviceAccessState::kBlocked;
}

WipePhase wipe_phase(const WipeRecord& wipe) {
  switch (wipe.state) {
    case WipeState::kNone: return WipePhase::kNone;
    case WipeState::kRequested:
    case WipeState::kSent: return WipePhase::kPending;
    case WipeState::kAcknowledged: return WipePhase::kAcknowledged;
  }
  return WipePhase::kNone;
}

bool wipe_pending(const WipeRecord& wipe) { return wipe_phase(wipe) == WipePhase::kPending; }

DeviceFacts make_device_facts(const GovernanceConfig& config, const std::string& user,
                              const EasRequest& eas, const DeviceRecord* device,
                              const std::optional<DeviceExemptionRecord>& exemption) {
  DeviceFacts f;
  f.user = user;
  f.groups = config.groups.groups_of(user);
  f.device_id = eas.device_id;
  f.device_type = eas.device_type;
  f.user_agent = eas.user_agent;
  if (device) {
    f.model = device->info.model;
    f.os = device->info.os;
    if (f.user_agent.empty()) f.user_agent = device->user_agent;
    f.wipe_acknowledged = device->wipe.state == WipeState::kAcknowledged;
    if (device->access_by_admin) {
      switch (device->access_state) {
        case DeviceAccessState::kAllowed: f.admin_decision = AccessAction::kAllow; break;
        case DeviceAccessState::kBlocked: f.admin_decision = AccessAction::kBlock; break;
        case DeviceAccessState::kQuarantined:
          f.admin_decision = AccessAction::kQuarantine;
          break;
        case DeviceAccessState::kPending: break;
      }
    }
  }
  if (exemption) {
    f.personal_exemption = exemption->kind == DeviceExemptionKind::kAllow ? AccessAction::kAllow
                                                                          : AccessAction::kBlock;
  }
  return f;
}

const ProvisioningPolicy& effective_policy(const GovernanceConfig& config,
                                           const StoredGovernance& stored,
                                           const std::string& user) {
  return config.policies.effective_policy(user, config.groups.groups_of(user),
                                          stored.assignments);
}

const ProvisioningPolicy& effective_policy(WorkerServices& services, const std::string& user) {
  return effective_policy(services.config->governance,
                          *stored_governance(*services.store, services.metrics), user);
}

const ProvisioningPolicy& effective_policy(const GovernanceConfig& config,
                                           const std::string& user) {
  return effective_policy(config, *last_stored_governance(), user);
}

}  // namespace easgate
