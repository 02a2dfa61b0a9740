#include "rules/policy/provisioning_policy.h"

#include <string>

namespace easgate {
namespace {

// FNV-1a over a canonical text of every setting: stable across builds and platforms.
class KeyHasher {
 public:
  void add(const char* label, uint64_t v) { add_text(label), add_text(std::to_string(v)); }
  void add(const char* label, int64_t v) { add_text(label), add_text(std::to_string(v)); }
  void add(const char* label, bool v) { add(label, static_cast<uint64_t>(v ? 1 : 0)); }
  void add(const char* label, const std::optional<uint32_t>& v) {
    add_text(label);
    add_text(v ? std::to_string(*v) : std::string("-"));
  }
  void add(const char* label, const std::vector<std::string>& list) {
    add_text(label);
    for (const std::string& s : list) add_text(s);
  }
  uint32_t value() const { return hash_; }

 private:
  void add_text(const std::string& s) {
    for (unsigned char c : s) {
      hash_ ^= c;
      hash_ *= 16777619u;
    }
    hash_ ^= 0x1f;  // separator, so ("ab","c") and ("a","bc") differ
    hash_ *= 16777619u;
  }
  uint32_t hash_ = 2166136261u;
};

}  // namespace

uint32_t policy_key(const ProvisioningPolicy& p) {
  KeyHasher h;
  h.add("pw", p.device_password_enabled);
  h.add("alnum", p.alphanumeric_device_password_required);
  h.add("recovery", p.password_recovery_enabled);
  h.add("cardenc", p.require_storage_card_encryption);
  h.add("att", p.attachments_enabled);
  h.add("minlen", p.min_device_password_length);
  h.add("idle", p.max_inactivity_time_device_lock);
  h.add("fails", p.max_device_password_failed_attempts);
  h.add("attsize", p.max_attachment_size);
  h.add("simple", p.allow_simple_device_password);
  h.add("expire", p.device_password_expiration);
  h.add("history", static_cast<uint64_t>(p.device_password_history));
  h.add("card", p.allow_storage_card);
  h.add("camera", p.allow_camera);
  h.add("devenc", p.require_device_encryption);
  h.add("unsignedapp", p.allow_unsigned_applications);
  h.add("unsignedpkg", p.allow_unsigned_installation_packages);
  h.add("complex", static_cast<uint64_t>(p.min_device_password_complex_characters));
  h.add("wifi", p.allow_wifi);
  h.add("sms", p.allow_text_messaging);
  h.add("popimap", p.allow_pop_imap_email);
  h.add("bt", static_cast<uint64_t>(p.allow_bluetooth));
  h.add("irda", p.allow_irda);
  h.add("roaming", p.require_manual_sync_when_roaming);
  h.add("desktop", p.allow_desktop_sync);
  h.add("calage", static_cast<uint64_t>(p.max_calendar_age_filter));
  h.add("html", p.allow_html_email);
  h.add("mailage", static_cast<uint64_t>(p.max_email_age_filter));
  h.add("trunc", static_cast<int64_t>(p.max_email_body_truncation_size));
  h.add("htmltrunc", static_cast<int64_t>(p.max_email_html_body_truncation_size));
  h.add("signed", p.require_signed_smime_messages);
  h.add("encrypted", p.require_encrypted_smime_messages);
  h.add("signalg", static_cast<uint64_t>(p.require_signed_smime_algorithm));
  h.add("encalg", static_cast<uint64_t>(p.require_encryption_smime_algorithm));
  h.add("negotiate", static_cast<uint64_t>(p.allow_smime_encryption_algorithm_negotiation));
  h.add("softcerts", p.allow_smime_soft_certs);
  h.add("browser", p.allow_browser);
  h.add("consumer", p.allow_consumer_email);
  h.add("rdp", p.allow_remote_desktop);
  h.add("sharing", p.allow_internet_sharing);
  h.add("unapproved", p.unapproved_in_rom_application_list);
  h.add("approved", p.approved_application_list);
  // AllowNonProvisionableDevices changes who is admitted, so a change re-provisions too.
  h.add("nonprov", p.allow_non_provisionable_devices);
  uint32_t key = h.value();
  return key == 0 ? 1u : key;
}

uint32_t temporary_policy_key(uint32_t final_key) {
  uint32_t t = final_key ^ 0x5A5A5A5Au;
  if (t == 0 || t == final_key) t = final_key + 1;
  return t == 0 ? 1u : t;
}

bool wap_form_covers(const ProvisioningPolicy& p) {
  // Start from the policy, reset what the WAP form can carry to the defaults, and compare
  // the rest with a default policy: any remaining difference cannot reach a 2.5 device.
  ProvisioningPolicy rest = p;
  ProvisioningPolicy defaults;
  rest.name = defaults.name;
  rest.allow_non_provisionable_devices = defaults.allow_non_provisionable_devices;
  rest.device_password_enabled = defaults.device_password_enabled;
  rest.min_device_password_length = defaults.min_device_password_length;
  rest.max_inactivity_time_device_lock = defaults.max_inactivity_time_device_lock;
  rest.max_device_password_failed_attempts = defaults.max_device_password_failed_attempts;
  rest.allow_simple_device_password = defaults.allow_simple_device_password;
  rest.device_password_expiration = defaults.device_password_expiration;
  rest.device_password_history = defaults.device_password_history;
  rest.allow_storage_card = defaults.allow_storage_card;     // DisableRemovableStorage
  rest.allow_irda = defaults.allow_irda;                     // DisableIrDA
  rest.allow_desktop_sync = defaults.allow_desktop_sync;     // DisableDesktopSync
  rest.allow_remote_desktop = defaults.allow_remote_desktop;  // BlockRemoteDesktop
  rest.allow_internet_sharing = defaults.allow_internet_sharing;  // BlockInternetSharing
  // Alphanumeric passwords ride on the WAP password policy (complexity 1 == numeric ok).
  rest.alphanumeric_device_password_required = defaults.alphanumeric_device_password_required;
  return policy_key(rest) == policy_key(defaults);
}

PolicyKeyVerdict check_policy_key(bool provisioning_required, uint32_t expected_key,
                                  std::optional<uint32_t> sent, uint32_t stored_key,
                                  bool acknowledged) {
  if (!provisioning_required) return PolicyKeyVerdict::kNotRequired;
  // MS-ASCMD 2.2.2: 142 when the client sent no key (or 0, the "no policy" value) or was
  // never provisioned; 144 when it sends a key that is not the current one.
  if (!sent || *sent == 0) return PolicyKeyVerdict::kNotProvisioned;
  if (!acknowledged || stored_key == 0) return PolicyKeyVerdict::kNotProvisioned;
  if (*sent != expected_key || stored_key != expected_key) return PolicyKeyVerdict::kInvalidKey;
  return PolicyKeyVerdict::kCurrent;
}

const char* policy_key_verdict_name(PolicyKeyVerdict v) {
  switch (v) {
    case PolicyKeyVerdict::kCurrent: return "current";
    case PolicyKeyVerdict::kNotRequired: return "not_required";
    case PolicyKeyVerdict::kNotProvisioned: return "not_provisioned";
    case PolicyKeyVerdict::kInvalidKey: return "invalid_key";
  }
  return "unknown";
}

}  // namespace easgate
