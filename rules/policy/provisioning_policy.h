#pragma once
// A provisioning policy (MS-ASPROV 2.2.2.27 EASProvisionDoc): every setting Exchange 2013
// sends, with Exchange's defaults. std::nullopt on a limit means "no limit", sent as an
// empty element (MS-ASPROV 3.2.5.1.1: an unset setting is an empty tag or the default).
// Pure data: the Sync handler reads the effective policy of a device to enforce the
// server-side settings (attachments, HTML, truncation, age filters).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace easgate {

struct ProvisioningPolicy {
  std::string name = "default";  // policy name from YAML; not part of the policy key

  bool device_password_enabled = false;               // DevicePasswordEnabled
  bool alphanumeric_device_password_required = false;  // AlphanumericDevicePasswordRequired
  bool password_recovery_enabled = false;             // PasswordRecoveryEnabled
  bool require_storage_card_encryption = false;       // RequireStorageCardEncryption
  bool attachments_enabled = true;                    // AttachmentsEnabled
  std::optional<uint32_t> min_device_password_length;  // MinDevicePasswordLength 1..16
  std::optional<uint32_t> max_inactivity_time_device_lock;  // seconds; MaxInactivityTimeDeviceLock
  std::optional<uint32_t> max_device_password_failed_attempts;  // 4..16 before wipe
  std::optional<uint32_t> max_attachment_size;        // bytes; MaxAttachmentSize
  bool allow_simple_device_password = true;           // AllowSimpleDevicePassword
  std::optional<uint32_t> device_password_expiration;  // days; DevicePasswordExpiration
  uint32_t device_password_history = 0;               // DevicePasswordHistory: remembered count
  bool allow_storage_card = true;                     // AllowStorageCard
  bool allow_camera = true;                           // AllowCamera
  bool require_device_encryption = false;             // RequireDeviceEncryption
  bool allow_unsigned_applications = true;            // AllowUnsignedApplications
  bool allow_unsigned_installation_packages = true;   // AllowUnsignedInstallationPackages
  uint32_t min_device_password_complex_characters = 1;  // 1..4 character classes
  bool allow_wifi = true;                             // AllowWiFi
  bool allow_text_messaging = true;                   // AllowTextMessaging
  bool allow_pop_imap_email = true;                   // AllowPOPIMAPEmail
  uint32_t allow_bluetooth = 2;                       // 0 off, 1 hands-free only, 2 allowed
  bool allow_irda = true;                             // AllowIrDA
  bool require_manual_sync_when_roaming = false;      // RequireManualSyncWhenRoaming
  bool allow_desktop_sync = true;                     // AllowDesktopSync
  uint32_t max_calendar_age_filter = 0;               // 0 all, 4 two weeks, 5 month, 6 3m, 7 6m
  bool allow_html_email = true;                       // AllowHTMLEmail
  uint32_t max_email_age_filter = 0;                  // 0 all, 1 day .. 5 month
  int32_t max_email_body_truncation_size = -1;        // KB; -1 none, 0 headers only
  int32_t max_email_html_body_truncation_size = -1;   // KB; -1 none, 0 headers only
  bool require_signed_smime_messages = false;         // RequireSignedSMIMEMessages
  bool require_encrypted_smime_messages = false;      // RequireEncryptedSMIMEMessages
  uint32_t require_signed_smime_algorithm = 0;        // 0 SHA1, 1 MD5
  uint32_t require_encryption_smime_algorithm = 0;    // 0 3DES, 1 DES, 2 RC2-128, 3 RC2-64, 4 RC2-40
  uint32_t allow_smime_encryption_algorithm_negotiation = 2;  // 0 no, 1 strong only, 2 any
  bool allow_smime_soft_certs = true;                 // AllowSMIMESoftCerts
  bool allow_browser = true;                          // AllowBrowser
  bool allow_consumer_email = true;                   // AllowConsumerEmail
  bool allow_remote_desktop = true;                   // AllowRemoteDesktop
  bool allow_internet_sharing = true;                 // AllowInternetSharing
  std::vector<std::string> unapproved_in_rom_application_list;  // ApplicationName entries
  std::vector<std::string> approved_application_list;           // Hash entries (SHA-1 hex)

  // Not sent to devices: whether a device that cannot apply every setting (a 2.5 client
  // that only understands the WAP form, or a 12.0+ client acknowledging with Status 2)
  // may sync anyway (Exchange: AllowNonProvisionableDevices).
  bool allow_non_provisionable_devices = true;
};

// The final policy key a device gets for `policy`: a nonzero 32-bit hash of every setting
// (not the name), so the same content always yields the same key and any change yields a
// new one, on every node, without stored counters. MS-ASPROV 2.2.2.42: 0 is never valid.
uint32_t policy_key(const ProvisioningPolicy& policy);
// The temporary key sent with the policy in phase one (MS-ASPROV 3.2.5.1.1); differs from
// the final key and is nonzero, so it cannot be used past the acknowledgement.
uint32_t temporary_policy_key(uint32_t final_key);

// True when every setting that differs from the default can be expressed in the 2.5 WAP
// form (MS-ASPROV 2.2.2.24.1: PasswordRequired, MinPasswordLength, IdleTimeoutFrequency,
// DeviceWipeThreshold, AllowSimplePassword, PasswordExpiration, PasswordHistory,
// DisableRemovableStorage, DisableIrDA, DisableDesktopSync, BlockRemoteDesktop,
// BlockInternetSharing). A 2.5 device is non-provisionable for a policy where this is false.
bool wap_form_covers(const ProvisioningPolicy& policy);

// What the policy-key check decides for one request.
enum class PolicyKeyVerdict : uint8_t {
  kCurrent,          // the device holds the current key: proceed
  kNotRequired,      // no policy configured: provisioning is optional
  kNotProvisioned,   // no key sent (or 0) / never provisioned: 142, or 449 before 14.0
  kInvalidKey,       // a key that is not the current one (policy changed): 144 / 449
};

// `sent` is the client's X-MS-PolicyKey; `stored_key` and `acknowledged` come from the
// device record (acknowledged includes a partial acknowledgement that was admitted).
PolicyKeyVerdict check_policy_key(bool provisioning_required, uint32_t expected_key,
                                  std::optional<uint32_t> sent, uint32_t stored_key,
                                  bool acknowledged);
const char* policy_key_verdict_name(PolicyKeyVerdict verdict);

}  // namespace easgate
