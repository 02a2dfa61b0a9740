#include "gateway/commands/provision.h"

#include <charconv>

#include "gateway/core/clock.h"
#include "gateway/core/log.h"
#include "gateway/metrics/metrics.h"
#include "gateway/pipeline/governance_facts.h"
#include "gateway/pipeline/governance_reply.h"
#include "gateway/pipeline/request_context.h"
#include "gateway/store/state_store.h"

namespace easgate {
namespace {

namespace pv = tag::provision;
namespace st = tag::settings;

constexpr std::string_view kWbxmlPolicyType = "MS-EAS-Provisioning-WBXML";
constexpr std::string_view kWapPolicyType = "MS-WAP-Provisioning-XML";

// MS-ASPROV 2.2.2.54.1 Status in Policy.
constexpr int kPolicySuccess = 1;
constexpr int kPolicyUnknownType = 3;
constexpr int kPolicyWrongKey = 5;
// MS-ASPROV 2.2.2.54.2 Status in Provision.
constexpr int kProvisionSuccess = 1;
constexpr int kProvisionProtocolError = 2;
constexpr int kProvisionServerError = 3;

std::string b(bool v) { return v ? "1" : "0"; }

void add_optional(WbxmlElement& doc, Tag t, const std::optional<uint32_t>& v) {
  if (v) {
    doc.add_text(t, std::to_string(*v));
  } else {
    doc.add_child(t);  // MS-ASPROV 3.2.5.1.1: an unset setting is an empty tag
  }
}

std::optional<uint32_t> parse_u32(std::string_view text) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

WbxmlDocument provision_status(int status) {
  WbxmlDocument doc;
  doc.root = WbxmlElement(pv::kProvision);
  doc.root.add_text(pv::kStatus, std::to_string(status));
  return doc;
}

void store_device_information(RequestContext& r, const WbxmlElement& info,
                              WbxmlElement& response) {
  DeviceInfo d;
  if (const WbxmlElement* set = info.child(st::kSet)) {
    d.model = set->child_text(st::kModel);
    d.imei = set->child_text(st::kIMEI);
    d.friendly_name = set->child_text(st::kFriendlyName);
    d.os = set->child_text(st::kOS);
    d.os_language = set->child_text(st::kOSLanguage);
    d.phone_number = set->child_text(st::kPhoneNumber);
    d.mobile_operator = set->child_text(st::kMobileOperator);
    d.user_agent = set->child_text(st::kUserAgent);
    d.enable_outbound_sms = set->child_text(st::kEnableOutboundSMS) == "1";
  }
  Status s = r.services.store->set_device_info({r.credentials.user, r.eas->device_id}, d);
  WbxmlElement& out = response.add_child(st::kDeviceInformation);
  out.add_text(st::kStatus, s.is_ok() ? "1" : "2");
}

}  // namespace

WbxmlElement eas_provision_doc(const ProvisioningPolicy& p, uint8_t protocol) {
  WbxmlElement doc(pv::kEASProvisionDoc);
  const bool v121 = protocol >= 121;  // MS-ASPROV: most Allow*/Require* settings are 12.1+
  if (v121) {
    doc.add_text(pv::kAllowBluetooth, std::to_string(p.allow_bluetooth));
    doc.add_text(pv::kAllowBrowser, b(p.allow_browser));
    doc.add_text(pv::kAllowCamera, b(p.allow_camera));
    doc.add_text(pv::kAllowConsumerEmail, b(p.allow_consumer_email));
    doc.add_text(pv::kAllowDesktopSync, b(p.allow_desktop_sync));
    doc.add_text(pv::kAllowHTMLEmail, b(p.allow_html_email));
    doc.add_text(pv::kAllowInternetSharing, b(p.allow_internet_sharing));
    doc.add_text(pv::kAllowIrDA, b(p.allow_irda));
    doc.add_text(pv::kAllowPOPIMAPEmail, b(p.allow_pop_imap_email));
    doc.add_text(pv::kAllowRemoteDesktop, b(p.allow_remote_desktop));
  }
  doc.add_text(pv::kAllowSimpleDevicePassword, b(p.allow_simple_device_password));
  if (v121) {
    doc.add_text(pv::kAllowSMIMEEncryptionAlgorithmNegotiation,
                 std::to_string(p.allow_smime_encryption_algorithm_negotiation));
    doc.add_text(pv::kAllowSMIMESoftCerts, b(p.allow_smime_soft_certs));
    doc.add_text(pv::kAllowStorageCard, b(p.allow_storage_card));
    doc.add_text(pv::kAllowTextMessaging, b(p.allow_text_messaging));
    doc.add_text(pv::kAllowUnsignedApplications, b(p.allow_unsigned_applications));
    doc.add_text(pv::kAllowUnsignedInstallationPackages,
                 b(p.allow_unsigned_installation_packages));
    doc.add_text(pv::kAllowWiFi, b(p.allow_wifi));
  }
  doc.add_text(pv::kAlphanumericDevicePasswordRequired,
               b(p.alphanumeric_device_password_required));
  if (v121) {
    WbxmlElement& approved = doc.add_child(pv::kApprovedApplicationList);
    for (const auto& h : p.approved_application_list) approved.add_text(pv::kHash, h);
  }
  doc.add_text(pv::kAttachmentsEnabled, b(p.attachments_enabled));
  doc.add_text(pv::kDevicePasswordEnabled, b(p.device_password_enabled));
  add_optional(doc, pv::kDevicePasswordExpiration, p.device_password_expiration);
  doc.add_text(pv::kDevicePasswordHistory, std::to_string(p.device_password_history));
  add_optional(doc, pv::kMaxAttachmentSize, p.max_attachment_size);
  if (v121) {
    doc.add_text(pv::kMaxCalendarAgeFilter, std::to_string(p.max_calendar_age_filter));
  }
  add_optional(doc, pv::kMaxDevicePasswordFailedAttempts, p.max_device_password_failed_attempts);
  if (v121) {
    doc.add_text(pv::kMaxEmailAgeFilter, std::to_string(p.max_email_age_filter));
    doc.add_text(pv::kMaxEmailBodyTruncationSize,
                 std::to_string(p.max_email_body_truncation_size));
    doc.add_text(pv::kMaxEmailHTMLBodyTruncationSize,
                 std::to_string(p.max_email_html_body_truncation_size));
  }
  add_optional(doc, pv::kMaxInactivityTimeDeviceLock, p.max_inactivity_time_device_lock);
  if (v121) {
    doc.add_text(pv::kMinDevicePasswordComplexCharacters,
                 std::to_string(p.min_device_password_complex_characters));
  }
  add_optional(doc, pv::kMinDevicePasswordLength, p.min_device_password_length);
  doc.add_text(pv::kPasswordRecoveryEnabled, b(p.password_recovery_enabled));
  if (v121) {
    doc.add_text(pv::kRequireDeviceEncryption, b(p.require_device_encryption));
    doc.add_text(pv::kRequireEncryptedSMIMEMessages, b(p.require_encrypted_smime_messages));
    doc.add_text(pv::kRequireEncryptionSMIMEAlgorithm,
                 std::to_string(p.require_encryption_smime_algorithm));
    doc.add_text(pv::kRequireManualSyncWhenRoaming, b(p.require_manual_sync_when_roaming));
    doc.add_text(pv::kRequireSignedSMIMEAlgorithm,
                 std::to_string(p.require_signed_smime_algorithm));
    doc.add_text(pv::kRequireSignedSMIMEMessages, b(p.require_signed_smime_messages));
  }
  doc.add_text(pv::kRequireStorageCardEncryption, b(p.require_storage_card_encryption));
  if (v121) {
    WbxmlElement& rom = doc.add_child(pv::kUnapprovedInROMApplicationList);
    for (const auto& a : p.unapproved_in_rom_application_list) {
      rom.add_text(pv::kApplicationName, a);
    }
  }
  return doc;
}

std::string wap_provisioning_xml(const ProvisioningPolicy& p) {
  auto parm = [](const std::string& name, const std::string& value) {
    return "<parm name=\"" + name + "\" value=\"" + value + "\"/>";
  };
  std::string x = "<wap-provisioningdoc><characteristic type=\"SecurityPolicy\">";
  // 4131: 0 = the password policy is enforced, 1 = not (MS-ASPROV 2.2.2.24.2).
  x += parm("4131", p.device_password_enabled ? "0" : "1");
  x += "</characteristic><characteristic type=\"Registry\">";
  x += "<characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\AE\\"
       "{50C13377-C66D-400C-889E-C316FC4AB374}\">";
  // AEFrequencyType 0 = no inactivity lock, 1 = lock after AEFrequencyValue minutes.
  uint32_t idle_minutes = p.max_inactivity_time_device_lock
                              ? (*p.max_inactivity_time_device_lock + 59) / 60
                              : 0;
  x += parm("AEFrequencyType", idle_minutes ? "1" : "0");
  x += parm("AEFrequencyValue", std::to_string(idle_minutes));
  x += "</characteristic><characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\">";
  x += parm("DeviceWipeThreshold", p.max_device_password_failed_attempts
                                       ? std::to_string(*p.max_device_password_failed_attempts)
                                       : "-1");
  x += parm("CodewordFrequency", "3");
  x += "</characteristic><characteristic type=\"HKLM\\Comm\\Security\\Policy\\LASSD\\LAP\\lap_pw\">";
  x += parm("MinimumPasswordLength", std::to_string(p.min_device_password_length.value_or(1)));
  // PasswordComplexity 0 = alphanumeric required, 2 = simple PIN allowed.
  x += parm("PasswordComplexity", p.alphanumeric_device_password_required ? "0" : "2");
  x += "</characteristic></characteristic></wap-provisioningdoc>";
  return x;
}

void ProvisionHandler::handle(std::shared_ptr<RequestContext> request) {
  RequestContext& r = *request;
  WorkerServices& services = r.services;
  StateStore& store = *services.store;
  if (!r.body || !r.body->root.is(pv::kProvision)) {
    r.reply_wbxml(provision_status(kProvisionProtocolError), kProvisionProtocolError);
    return;
  }
  const WbxmlElement& root = r.body->root;
  DeviceKey key{r.credentials.user, r.eas->device_id};
  const auto now = services.clock->wall_now();
  const uint8_t version = r.eas->version.code;

  // Wipe acknowledgement (MS-ASPROV 3.2.5.1.2.2).
  const WbxmlElement* wipe_ack = root.child(pv::kRemoteWipe);
  const WbxmlElement* account_ack = root.child(pv::kAccountOnlyRemoteWipe);
  if (const WbxmlElement* ack = wipe_ack ? wipe_ack : account_ack) {
    Tag directive = wipe_ack ? pv::kRemoteWipe : pv::kAccountOnlyRemoteWipe;
    bool success = ack->child_text(pv::kStatus) == "1";
    if (success) {
      Status s = store.mark_wipe_acknowledged(key, now);
      services.metrics->record_access_decision("wipe", "acknowledged");
      log_info("governance").msg("remote wipe acknowledged").kv("user", key.user_id)
          .kv("device_id", key.device_id).kv("recorded", s.is_ok() ? "yes" : s.to_string());
    } else {
      log_warn("governance").msg("device reports remote wipe failed").kv("user", key.user_id)
          .kv("device_id", key.device_id);
    }
    // Success: Status 1; failure: Status 2 and the directive again.
    WbxmlDocument doc = provision_status(success ? kProvisionSuccess : kProvisionProtocolError);
    doc.root.add_child(directive);
    r.reply_wbxml(doc, success ? kProvisionSuccess : kProvisionProtocolError);
    return;
  }

  auto device = store.get_device(key);
  if (!device.is_ok()) {
    r.reply_wbxml(provision_status(kProvisionServerError), kProvisionServerError);
    return;
  }
  // A pending wipe answers every Provision (MS-ASPROV 3.2.5.1.2): the remote wipe check
  // already refused an account-only wipe to a device older than 16.1.
  if (wipe_pending(device->wipe)) {
    bool account_only = device->wipe.kind == WipeKind::kAccountOnly;
    WbxmlDocument doc = provision_status(kProvisionSuccess);
    doc.root.add_child(account_only ? pv::kAccountOnlyRemoteWipe : pv::kRemoteWipe);
    if (Status s = store.mark_wipe_sent(key, now); !s) {
      services.metrics->record_degraded("wipe_sent_not_recorded");
    }
    services.metrics->record_access_decision("wipe", "sent");
    log_info("governance").msg("remote wipe sent").kv("user", key.user_id)
        .kv("device_id", key.device_id).kv("kind", account_only ? "account_only" : "full");
    r.reply_wbxml(doc, kProvisionSuccess);
    return;
  }

  WbxmlDocument response = provision_status(kProvisionSuccess);
  // 14.1+: settings:DeviceInformation rides along; its Status precedes the Provision one.
  if (const WbxmlElement* info = root.child(st::kDeviceInformation)) {
    WbxmlElement status = response.root.children().front();
    response.root.mutable_children().clear();
    store_device_information(r, *info, response.root);
    response.root.mutable_children().push_back(std::move(status));
  }
  const WbxmlElement* policy_in = root.child(pv::kPolicies)
                                      ? root.child(pv::kPolicies)->child(pv::kPolicy)
                                      : nullptr;
  if (!policy_in) {
    r.reply_wbxml(provision_status(kProvisionProtocolError), kProvisionProtocolError);
    return;
  }
  const ProvisioningPolicy& policy = effective_policy(services, key.user_id);
  const uint32_t final_key = policy_key(policy);
  const uint32_t temp_key = temporary_policy_key(final_key);
  const bool legacy = version < 120;
  const std::string_view wanted_type = legacy ? kWapPolicyType : kWbxmlPolicyType;
  std::string_view type = policy_in->child_text(pv::kPolicyType);

  WbxmlElement& policy_out =
      response.root.add_child(pv::kPolicies).add_child(pv::kPolicy);
  policy_out.add_text(pv::kPolicyType, std::string(type));
  if (type != wanted_type) {
    policy_out.add_text(pv::kStatus, std::to_string(kPolicyUnknownType));
    r.reply_wbxml(response, kProvisionSuccess);
    return;
  }
  const bool non_provisionable = legacy && !wap_form_covers(policy);
  const WbxmlElement* ack_status = policy_in->child(pv::kStatus);
  if (!ack_status) {
    // Phase one: send the policy with a temporary key.
    if (non_provisionable && !policy.allow_non_provisionable_devices) {
      services.metrics->record_access_decision("provision", "non_provisionable");
      log_info("governance").msg("legacy device cannot apply the policy").kv("user", key.user_id)
          .kv("device_id", key.device_id).kv("policy", policy.name);
      // 2.5 has no status codes for this: HTTP 403 (MS-ASCMD 2.2.2 status 141 is 14.0+).
      r.reply_error(governance_refusal(r.eas->version, kStatusLegacyDeviceOnStrictPolicy, 403,
                                       "device cannot apply policy " + policy.name));
      return;
    }
    if (Status s = store.set_device_policy(key, policy.name, temp_key, PolicyStatus::kProvisioned);
        !s) {
      r.reply_wbxml(provision_status(kProvisionServerError), kProvisionServerError);
      return;
    }
    policy_out.add_text(pv::kStatus, std::to_string(kPolicySuccess));
    policy_out.add_text(pv::kPolicyKey, std::to_string(temp_key));
    WbxmlElement& data = policy_out.add_child(pv::kData);
    if (legacy) {
      data.set_text(wap_provisioning_xml(policy));
    } else {
      data.mutable_children().push_back(eas_provision_doc(policy, version));
    }
    services.metrics->record_access_decision("provision", "policy_sent");
    r.reply_wbxml(response, kProvisionSuccess);
    return;
  }
  // Phase two: the acknowledgement, with the temporary key (or the final one on a retry).
  std::optional<uint32_t> sent = parse_u32(policy_in->child_text(pv::kPolicyKey));
  if (!sent || (*sent != temp_key && *sent != final_key)) {
    policy_out.add_text(pv::kStatus, std::to_string(kPolicyWrongKey));
    r.reply_wbxml(response, kProvisionSuccess);
    return;
  }
  // MS-ASPROV 2.2.2.54.1 (request): 1 = applied fully, 2 = applied partially; anything
  // else is treated as partial, the more cautious reading.
  bool partial = ack_status->text() != "1" || non_provisionable;
  if (partial && !policy.allow_non_provisionable_devices) {
    services.metrics->record_access_decision("provision", "partial_refused");
    log_info("governance").msg("partial policy acknowledgement refused")
        .kv("user", key.user_id).kv("device_id", key.device_id).kv("policy", policy.name);
    if (r.eas->version >= ProtocolVersion::v14_0()) {
      // MS-ASPROV 3.1.5.2: Provision Status 139 is exactly this case (the client
      // acknowledged with Policy Status 2 and the server does not admit devices that cannot
      // apply the whole policy). Codes above 100 exist from 14.0 (MS-ASCMD 2.2.2), so
      // older clients get HTTP 403.
      r.reply_wbxml(provision_status(kStatusDeviceNotFullyProvisionable),
                    kStatusDeviceNotFullyProvisionable);
    } else {
      r.reply_error(Status::forbidden("device cannot fully apply policy " + policy.name));
    }
    return;
  }
  PolicyStatus status = partial ? PolicyStatus::kPartial : PolicyStatus::kAcknowledged;
  if (Status s = store.set_device_policy(key, policy.name, final_key, status); !s) {
    r.reply_wbxml(provision_status(kProvisionServerError), kProvisionServerError);
    return;
  }
  services.metrics->record_access_decision("provision", partial ? "partial" : "acknowledged");
  log_info("governance").msg("policy acknowledged").kv("user", key.user_id)
      .kv("device_id", key.device_id).kv("policy", policy.name)
      .kv("status", partial ? "partial" : "full");
  policy_out.add_text(pv::kStatus, std::to_string(kPolicySuccess));
  policy_out.add_text(pv::kPolicyKey, std::to_string(final_key));
  r.reply_wbxml(response, kProvisionSuccess);
}

}  // namespace easgate
