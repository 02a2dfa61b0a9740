#pragma once
// Glue between the store, the config and the pure rules: builds the facts the rules
// decide on, and maps store enums to rule enums.

#include <optional>
#include <string>

#include "gateway/config/gateway_config.h"
#include "gateway/eas/eas_request.h"
#include "gateway/store/state_store.h"
#include "rules/device_access/device_access.h"
#include "rules/wipe/wipe_decision.h"

namespace easgate {

// `device` may be null (never seen); `exemption` empty when none.
DeviceFacts make_device_facts(const GovernanceConfig& config, const std::string& user,
                              const EasRequest& eas, const DeviceRecord* device,
                              const std::optional<DeviceExemptionRecord>& exemption);

DeviceAccessState to_store_state(AccessAction action);
WipePhase wipe_phase(const WipeRecord& wipe);
bool wipe_pending(const WipeRecord& wipe);

struct StoredGovernance;
struct WorkerServices;

// The provisioning policy `user` gets: the YAML's assignments with the admin API's
// (`stored`) taking precedence (rules/policy/policy_set.h). The reference points into
// config.policies, so it lives as long as the config.
const ProvisioningPolicy& effective_policy(const GovernanceConfig& config,
                                           const StoredGovernance& stored,
                                           const std::string& user);
// The same on the request path: reads (or reuses) the worker's copy of the API governance.
const ProvisioningPolicy& effective_policy(WorkerServices& services, const std::string& user);
// The same with the API assignments this worker thread read last (the request's own
// governance checks refreshed them). For code holding only the config; prefer the
// WorkerServices form.
const ProvisioningPolicy& effective_policy(const GovernanceConfig& config,
                                           const std::string& user);

}  // namespace easgate
