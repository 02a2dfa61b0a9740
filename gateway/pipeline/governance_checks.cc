#include "gateway/pipeline/governance_checks.h"

#include "gateway/auth/basic_authorization.h"
#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/pipeline/governance_reply.h"
#include "gateway/pipeline/quarantine_mail.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/pipeline/stored_governance.h"
#include "gateway/store/store_enums.h"
#include "rules/enablement/enablement.h"
#include "rules/policy/provisioning_policy.h"

namespace easgate {
namespace {

// The request's governance facts for `key`: one SELECT the first time, then reused by the
// later checks of the same request (an admin change is seen by the next request). Null
// when the store cannot be read (`error` says why).
RequestGovernanceRow* governance_row(RequestContext& r, const DeviceKey& key, Status* error) {
  if (r.governance && r.governance_key.user_id == key.user_id &&
      r.governance_key.device_id == key.device_id)
    return &*r.governance;
  auto row = r.services.store->load_request_governance(key);
  if (!row.is_ok()) {
    *error = row.status();
    return nullptr;
  }
  r.governance = std::move(row).value();
  r.governance_key = key;
  return &*r.governance;
}

// One line per decision: who, which device, what and why.
void log_decision(LogLevel level, const RequestContext& r, const std::string& user,
                  std::string_view message, std::string_view key, std::string_view value) {
  LogLine line(level, "governance");
  line.msg(message).kv("user", user).kv("device_id", r.eas->device_id)
      .kv("device_type", r.eas->device_type).kv("cmd", r.eas->command->name).kv(key, value);
}

Status blocked(const RequestContext& r, const std::string& why) {
  return governance_refusal(r.eas->version, kStatusDeviceIsBlockedForThisUser, 403, why);
}

}  // namespace

void PreauthAccessCheck::run(const std::shared_ptr<RequestContext>& request,
                             std::function<void(CheckVerdict)> done) {
  WorkerServices& services = request->services;
  const std::string* header = request->http.headers.find("Authorization");
  if (!header) {
    done(CheckVerdict::next());
    return;
  }
  auto claimed = parse_basic_authorization(*header, services.default_domain);
  if (!claimed.is_ok()) {
    done(CheckVerdict::next());  // the authenticate check answers malformed credentials
    return;
  }
  // Nothing is written here: the user is only claimed. A store error proceeds, and the
  // full check after authentication decides.
  const std::string& user = claimed->user;
  DeviceKey key{user, request->eas->device_id};
  Status error;
  RequestGovernanceRow* row = governance_row(*request, key, &error);
  if (row == nullptr) {
    done(CheckVerdict::next());
    return;
  }
  const DeviceRecord* record = row->device ? &*row->device : nullptr;
  if (record && wipe_pending(record->wipe)) {
    done(CheckVerdict::next());  // a pending wipe must reach the device, blocked or not
    return;
  }
  const GovernanceConfig& config = services.config->governance;
  DeviceFacts facts = make_device_facts(config, user, *request->eas, record, row->exemption);
  const auto stored = stored_governance(*services.store, services.metrics, row->governance_revision);
  AccessDecision decision = evaluate_device_access(config.device_access, stored->rules, facts);
  if (decision.action != AccessAction::kBlock) {
    done(CheckVerdict::next());
    return;
  }
  services.metrics->record_access_decision("block", access_reason_kind_name(decision.kind));
  log_decision(LogLevel::kInfo, *request, user, "device blocked before authentication", "reason",
               decision.reason);
  done(CheckVerdict::reject(blocked(*request, "device blocked: " + decision.reason)));
}

void EnablementCheck::run(const std::shared_ptr<RequestContext>& request,
                          std::function<void(CheckVerdict)> done) {
  WorkerServices& services = request->services;
  const std::string& user = request->credentials.user;
  EnablementFacts facts;
  facts.max_devices_per_user = services.config->governance.max_devices_per_user;
  Status error;
  RequestGovernanceRow* row = governance_row(*request, {user, request->eas->device_id}, &error);
  if (row == nullptr) {
    log_error("governance").msg("cannot read user and device").kv("user", user)
        .kv("error", error.to_string());
    done(CheckVerdict::reject(Status::internal("state store unavailable")));
    return;
  }
  if (row->user) facts.user_enabled = row->user->eas_enabled;
  facts.device_known = row->device.has_value();
  facts.devices_of_user = row->user_devices;
  EnablementVerdict verdict = decide_enablement(facts);
  if (verdict == EnablementVerdict::kEnabled) {
    done(CheckVerdict::next());
    return;
  }
  services.metrics->record_access_decision("disabled", enablement_verdict_name(verdict));
  log_decision(LogLevel::kInfo, *request, user, "request refused", "reason",
               enablement_verdict_name(verdict));
  int status = verdict == EnablementVerdict::kUserDisabled ? kStatusUserDisabledForSync
                                                           : kStatusMaximumDevicesReached;
  done(CheckVerdict::reject(governance_refusal(request->eas->version, status, 403,
                                               enablement_verdict_name(verdict))));
}

void DeviceAccessCheck::run(const std::shared_ptr<RequestContext>& request,
                            std::function<void(CheckVerdict)> done) {
  WorkerServices& services = request->services;
  const std::string& user = request->credentials.user;
  DeviceKey key{user, request->eas->device_id};
  Status error;
  RequestGovernanceRow* row = governance_row(*request, key, &error);
  if (row == nullptr || !row->device) {
    log_error("governance").msg("cannot read device").kv("user", user)
        .kv("device_id", key.device_id)
        .kv("error", row == nullptr ? error.to_string() : std::string("not recorded"));
    done(CheckVerdict::reject(Status::internal("state store unavailable")));
    return;
  }
  DeviceRecord* device = &*row->device;
  const GovernanceConfig& config = services.config->governance;
  DeviceFacts facts = make_device_facts(config, user, *request->eas, device, row->exemption);
  const auto stored = stored_governance(*services.store, services.metrics, row->governance_revision);
  AccessDecision decision = evaluate_device_access(config.device_access, stored->rules, facts);
  DeviceAccessState state = to_store_state(decision.action);
  bool changed = state != device->access_state ||
                 (!device->access_by_admin && decision.reason != device->access_reason);
  if (changed && !device->access_by_admin) {
    if (Status s = services.store->record_access_decision(key, state, decision.reason); !s) {
      services.metrics->record_degraded("access_decision_not_recorded");
    } else {
      device->access_state = state;
      device->access_reason = decision.reason;
    }
  }
  services.metrics->record_access_decision(access_action_name(decision.action),
                                           access_reason_kind_name(decision.kind));
  LogLevel level = changed || decision.action != AccessAction::kAllow ? LogLevel::kInfo
                                                                      : LogLevel::kDebug;
  log_decision(level, *request, user,
               std::string("device access: ") + access_action_name(decision.action), "reason",
               decision.reason);
  if (decision.action == AccessAction::kBlock && !wipe_pending(device->wipe)) {
    done(CheckVerdict::reject(blocked(*request, "device blocked: " + decision.reason)));
    return;
  }
  if (decision.action == AccessAction::kQuarantine) {
    request->quarantined = true;
    auto first = services.store->claim_quarantine_notice(key, services.clock->wall_now());
    if (first.is_ok() && *first) {
      QuarantineNotice notice{user,
                              config.admin_email,
                              config.notice_from,
                              key.device_id,
                              request->eas->device_type,
                              request->eas->user_agent,
                              decision.reason};
      send_quarantine_notice(services, request->credentials, notice);
    }
  }
  done(CheckVerdict::next());
}

void ThrottleCheck::run(const std::shared_ptr<RequestContext>& request,
                        std::function<void(CheckVerdict)> done) {
  WorkerServices& services = request->services;
  std::string key = request->credentials.user + "/" + request->eas->device_id;
  ThrottleDecision d = buckets_.take(key, services.clock->steady_now());
  if (d.allowed) {
    done(CheckVerdict::next());
    return;
  }
  services.metrics->record_access_decision("throttled", "rate");
  log_decision(LogLevel::kInfo, *request, request->credentials.user, "throttled",
               "retry_after_s", std::to_string(d.retry_after.count()));
  // MS-ASHTTP 2.2.2.1.1 lists 503 for a server that is busy; Exchange answers its
  // throttling budgets the same way and devices back off on Retry-After. No EAS status
  // code fits every command, so the HTTP answer is the same for every version.
  done(CheckVerdict::reject(Status::backend_unavailable("throttled").with_http_status(503)));
}

void RemoteWipeCheck::run(const std::shared_ptr<RequestContext>& request,
                          std::function<void(CheckVerdict)> done) {
  WorkerServices& services = request->services;
  DeviceKey key{request->credentials.user, request->eas->device_id};
  Status error;
  RequestGovernanceRow* row = governance_row(*request, key, &error);
  if (row == nullptr || !row->device) {
    done(CheckVerdict::reject(Status::internal("state store unavailable")));
    return;
  }
  const DeviceRecord* device = &*row->device;
  WipeScope scope =
      device->wipe.kind == WipeKind::kAccountOnly ? WipeScope::kAccountOnly : WipeScope::kFull;
  WipeAction action =
      decide_wipe(wipe_phase(device->wipe), scope, request->eas->version.code,
                  request->eas->command->command == EasCommand::kProvision);
  if (action == WipeAction::kProceed || action == WipeAction::kDeliverInProvision) {
    done(CheckVerdict::next());
    return;
  }
  services.metrics->record_access_decision("wipe", wipe_action_name(action));
  log_decision(LogLevel::kInfo, *request, key.user_id,
               std::string("remote wipe, ") + wipe_kind_name(device->wipe.kind), "action",
               wipe_action_name(action));
  if (action == WipeAction::kBlockWiped || action == WipeAction::kBlockUndeliverable) {
    done(CheckVerdict::reject(blocked(*request, wipe_action_name(action))));
    return;
  }
  done(CheckVerdict::reject(governance_refusal(request->eas->version,
                                               kStatusRemoteWipeRequested, 449,
                                               "remote wipe pending")));
}

void PolicyKeyCheck::run(const std::shared_ptr<RequestContext>& request,
                         std::function<void(CheckVerdict)> done) {
  WorkerServices& services = request->services;
  const GovernanceConfig& config = services.config->governance;
  if (request->eas->command->exempt_from_policy || !config.policies.provisioning_required()) {
    done(CheckVerdict::next());
    return;
  }
  DeviceKey key{request->credentials.user, request->eas->device_id};
  Status error;
  RequestGovernanceRow* row = governance_row(*request, key, &error);
  if (row == nullptr || !row->device) {
    done(CheckVerdict::reject(Status::internal("state store unavailable")));
    return;
  }
  const DeviceRecord* device = &*row->device;
  const ProvisioningPolicy& policy = effective_policy(services, key.user_id);
  bool acknowledged = device->policy_status == PolicyStatus::kAcknowledged ||
                      device->policy_status == PolicyStatus::kPartial;
  PolicyKeyVerdict verdict = check_policy_key(true, policy_key(policy), request->eas->policy_key,
                                              device->policy_key, acknowledged);
  // The key hashes the settings, not the name: a device moved to another policy with the
  // same settings keeps a valid key, but its record would still name the old policy, so it
  // provisions again (MS-ASCMD 2.2.2 status 144: the policy changed on the server).
  if (verdict == PolicyKeyVerdict::kCurrent && device->policy_name != policy.name) {
    verdict = PolicyKeyVerdict::kInvalidKey;
  }
  if (verdict == PolicyKeyVerdict::kCurrent) {
    done(CheckVerdict::next());
    return;
  }
  services.metrics->record_access_decision("provision", policy_key_verdict_name(verdict));
  log_decision(LogLevel::kInfo, *request, key.user_id, "provisioning required: " + policy.name,
               "verdict", policy_key_verdict_name(verdict));
  int status = verdict == PolicyKeyVerdict::kInvalidKey ? kStatusInvalidPolicyKey
                                                        : kStatusDeviceNotProvisioned;
  done(CheckVerdict::reject(
      governance_refusal(request->eas->version, status, 449, policy_key_verdict_name(verdict))));
}

}  // namespace easgate
