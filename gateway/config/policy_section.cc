// `governance.policies:` — named provisioning policies (MS-ASPROV 2.2.2.27 settings, YAML
// keys are the element names in snake_case), the default, and assignments.
//
//   policies:
//     default: standard
//     definitions:
//       - name: standard
//         device_password_enabled: true
//         min_device_password_length: 6
//     assign_users: { alice@example.test: strict }
//     assign_groups: [ { group: sales, policy: strict } ]   # first matching group wins

#include <algorithm>
#include <set>

#include "gateway/config/governance_internal.h"

namespace easgate {
namespace {

using P = ProvisioningPolicy;

struct BoolSetting {
  const char* key;  // YAML key
  bool P::*member;  // field
};
struct UintSetting {
  const char* key;      // YAML key
  uint32_t P::*member;  // field
  uint64_t min, max;    // MS-ASPROV range
};
struct OptionalSetting {
  const char* key;                     // YAML key; absent or null = no limit
  std::optional<uint32_t> P::*member;  // field
  uint64_t min, max;                   // MS-ASPROV range
};

constexpr BoolSetting kBools[] = {
    {"device_password_enabled", &P::device_password_enabled},
    {"alphanumeric_device_password_required", &P::alphanumeric_device_password_required},
    {"password_recovery_enabled", &P::password_recovery_enabled},
    {"require_storage_card_encryption", &P::require_storage_card_encryption},
    {"attachments_enabled", &P::attachments_enabled},
    {"allow_simple_device_password", &P::allow_simple_device_password},
    {"allow_storage_card", &P::allow_storage_card},
    {"allow_camera", &P::allow_camera},
    {"require_device_encryption", &P::require_device_encryption},
    {"allow_unsigned_applications", &P::allow_unsigned_applications},
    {"allow_unsigned_installation_packages", &P::allow_unsigned_installation_packages},
    {"allow_wifi", &P::allow_wifi},
    {"allow_text_messaging", &P::allow_text_messaging},
    {"allow_pop_imap_email", &P::allow_pop_imap_email},
    {"allow_irda", &P::allow_irda},
    {"require_manual_sync_when_roaming", &P::require_manual_sync_when_roaming},
    {"allow_desktop_sync", &P::allow_desktop_sync},
    {"allow_html_email", &P::allow_html_email},
    {"require_signed_smime_messages", &P::require_signed_smime_messages},
    {"require_encrypted_smime_messages", &P::require_encrypted_smime_messages},
    {"allow_smime_soft_certs", &P::allow_smime_soft_certs},
    {"allow_browser", &P::allow_browser},
    {"allow_consumer_email", &P::allow_consumer_email},
    {"allow_remote_desktop", &P::allow_remote_desktop},
    {"allow_internet_sharing", &P::allow_internet_sharing},
    {"allow_non_provisionable_devices", &P::allow_non_provisionable_devices},
};

// Ranges from MS-ASPROV 2.2.2.x element definitions.
constexpr UintSetting kUints[] = {
    {"device_password_history", &P::device_password_history, 0, 50},
    {"min_device_password_complex_characters", &P::min_device_password_complex_characters, 1, 4},
    {"allow_bluetooth", &P::allow_bluetooth, 0, 2},
    {"max_calendar_age_filter", &P::max_calendar_age_filter, 0, 7},
    {"max_email_age_filter", &P::max_email_age_filter, 0, 5},
    {"require_signed_smime_algorithm", &P::require_signed_smime_algorithm, 0, 1},
    {"require_encryption_smime_algorithm", &P::require_encryption_smime_algorithm, 0, 4},
    {"allow_smime_encryption_algorithm_negotiation",
     &P::allow_smime_encryption_algorithm_negotiation, 0, 2},
};

constexpr OptionalSetting kOptionals[] = {
    {"min_device_password_length", &P::min_device_password_length, 1, 16},
    {"max_inactivity_time_device_lock", &P::max_inactivity_time_device_lock, 0, 9999},
    {"max_device_password_failed_attempts", &P::max_device_password_failed_attempts, 4, 16},
    {"max_attachment_size", &P::max_attachment_size, 0, 0xFFFFFFFFu},
    {"device_password_expiration", &P::device_password_expiration, 0, 730},
};

void read_truncation(MapReader& m, const char* key, int32_t* out) {
  // -1 = no truncation, 0 = headers only, otherwise KB (MS-ASPROV 2.2.2.38/2.2.2.39).
  ConfigField f = m.field(key, Need::kOptional, "-1 or a size in KB");
  if (!f.present) return;
  if (f.node.IsScalar() && f.node.Scalar() == "-1") {
    *out = -1;
    return;
  }
  uint64_t v = 0;
  if (read_uint(m.ctx(), f, 0, 0x7FFFFFFF, &v)) *out = static_cast<int32_t>(v);
}

void read_string_list(MapReader& m, const char* key, std::vector<std::string>* out) {
  ConfigField f = m.field(key, Need::kOptional, "a list of strings");
  for (const ConfigField& item : sequence_items(m.ctx(), f, "a list of strings")) {
    std::string s;
    if (item.present && read_string(m.ctx(), item, &s)) out->push_back(s);
  }
}

bool parse_policy(ConfigContext& ctx, const ConfigField& field, ProvisioningPolicy* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return false;
  if (!m.string("name", Need::kRequired, &out->name)) return false;
  for (const BoolSetting& s : kBools) m.boolean(s.key, Need::kOptional, &(out->*s.member));
  for (const UintSetting& s : kUints) {
    m.unsigned_value(s.key, Need::kOptional, s.min, s.max, &(out->*s.member));
  }
  for (const OptionalSetting& s : kOptionals) {
    uint32_t v = 0;
    if (m.unsigned_value(s.key, Need::kOptional, s.min, s.max, &v)) out->*s.member = v;
  }
  read_truncation(m, "max_email_body_truncation_size", &out->max_email_body_truncation_size);
  read_truncation(m, "max_email_html_body_truncation_size",
                  &out->max_email_html_body_truncation_size);
  read_string_list(m, "unapproved_in_rom_application_list",
                   &out->unapproved_in_rom_application_list);
  read_string_list(m, "approved_application_list", &out->approved_application_list);
  return true;
}

}  // namespace

void parse_policies(ConfigContext& ctx, const ConfigField& field, const UserGroups& groups,
                    PolicySet* out) {
  MapReader m(ctx, field);
  if (!m.valid()) return;
  std::vector<ProvisioningPolicy> policies;
  std::set<std::string> names;
  ConfigField defs = m.field("definitions", Need::kRequired, "a list of policies");
  for (const ConfigField& item : sequence_items(ctx, defs, "a list of policies")) {
    ProvisioningPolicy p;
    if (!parse_policy(ctx, item, &p)) continue;
    if (!names.insert(p.name).second) {
      ctx.error(item.mark, item.path + ".name", "policy \"" + p.name + "\" is defined twice");
      continue;
    }
    policies.push_back(std::move(p));
  }
  auto known = [&](const ConfigField& f, const std::string& name) {
    if (names.count(name)) return true;
    std::vector<std::string> candidates(names.begin(), names.end());
    std::string hint = closest_match(name, candidates);
    ctx.error(f.mark, f.path, "unknown policy \"" + name + "\"" +
                                  (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)"));
    return false;
  };
  std::string default_name = policies.empty() ? std::string("default") : policies.front().name;
  ConfigField def = m.field("default", Need::kOptional, "a policy name");
  if (def.present && read_string(ctx, def, &default_name)) known(def, default_name);

  PolicyAssignments assignments;
  for (auto& [user, value] : map_entries(ctx, m.field("assign_users", Need::kOptional, "a map"),
                                         "a map of user -> policy name")) {
    std::string policy;
    if (read_string(ctx, value, &policy) && known(value, policy)) {
      assignments.by_user[user] = policy;
    }
  }
  ConfigField by_group = m.field("assign_groups", Need::kOptional, "a list");
  for (const ConfigField& item : sequence_items(ctx, by_group, "a list of {group, policy}")) {
    MapReader g(ctx, item);
    if (!g.valid()) continue;
    std::string group, policy;
    bool ok = g.string("group", Need::kRequired, &group) &&
              g.string("policy", Need::kRequired, &policy);
    if (!ok) continue;
    if (!groups.has_group(group)) {
      ctx.error(item.mark, item.path + ".group",
                "unknown group \"" + group + "\" (define it under governance.groups)");
      continue;
    }
    if (known(g.field("policy", Need::kOptional, ""), policy)) {
      assignments.by_group.emplace_back(group, policy);
    }
  }
  *out = PolicySet(std::move(policies), std::move(default_name), std::move(assignments));
}

}  // namespace easgate
