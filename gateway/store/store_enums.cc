#include "gateway/store/store_enums.h"

#include <array>
#include <utility>

namespace easgate {
namespace {

template <typename E, size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
bool parse_name(const std::array<std::pair<E, const char*>, N>& table, std::string_view name,
                E* out) {
  for (const auto& [v, text] : table) {
    if (name == text) {
      *out = v;
      return true;
    }
  }
  return false;
}

constexpr std::array<std::pair<DeviceAccessState, const char*>, 4> kAccessNames{{
    {DeviceAccessState::kPending, "pending"},
    {DeviceAccessState::kAllowed, "allowed"},
    {DeviceAccessState::kBlocked, "blocked"},
    {DeviceAccessState::kQuarantined, "quarantined"},
}};
constexpr std::array<std::pair<PolicyStatus, const char*>, 4> kPolicyNames{{
    {PolicyStatus::kNone, "none"},
    {PolicyStatus::kProvisioned, "provisioned"},
    {PolicyStatus::kAcknowledged, "acknowledged"},
    {PolicyStatus::kPartial, "partial"},
}};
constexpr std::array<std::pair<WipeState, const char*>, 4> kWipeStateNames{{
    {WipeState::kNone, "none"},
    {WipeState::kRequested, "requested"},
    {WipeState::kSent, "sent"},
    {WipeState::kAcknowledged, "acknowledged"},
}};
constexpr std::array<std::pair<WipeKind, const char*>, 2> kWipeKindNames{{
    {WipeKind::kFull, "full"},
    {WipeKind::kAccountOnly, "account_only"},
}};
constexpr std::array<std::pair<DeviceExemptionKind, const char*>, 2> kExemptionNames{{
    {DeviceExemptionKind::kAllow, "allow"},
    {DeviceExemptionKind::kBlock, "block"},
}};
constexpr std::array<std::pair<AssigneeKind, const char*>, 2> kAssigneeNames{{
    {AssigneeKind::kUser, "user"},
    {AssigneeKind::kGroup, "group"},
}};

}  // namespace

const char* assignee_kind_name(AssigneeKind k) { return name_of(kAssigneeNames, k); }
bool parse_assignee_kind(std::string_view n, AssigneeKind* out) {
  return parse_name(kAssigneeNames, n, out);
}

const char* device_exemption_kind_name(DeviceExemptionKind k) {
  return name_of(kExemptionNames, k);
}
bool parse_device_exemption_kind(std::string_view n, DeviceExemptionKind* out) {
  return parse_name(kExemptionNames, n, out);
}

const char* device_access_state_name(DeviceAccessState s) { return name_of(kAccessNames, s); }
const char* policy_status_name(PolicyStatus s) { return name_of(kPolicyNames, s); }
const char* wipe_state_name(WipeState s) { return name_of(kWipeStateNames, s); }
const char* wipe_kind_name(WipeKind k) { return name_of(kWipeKindNames, k); }

bool parse_device_access_state(std::string_view n, DeviceAccessState* out) {
  return parse_name(kAccessNames, n, out);
}
bool parse_policy_status(std::string_view n, PolicyStatus* out) {
  return parse_name(kPolicyNames, n, out);
}
bool parse_wipe_state(std::string_view n, WipeState* out) {
  return parse_name(kWipeStateNames, n, out);
}
bool parse_wipe_kind(std::string_view n, WipeKind* out) {
  return parse_name(kWipeKindNames, n, out);
}

}  // namespace easgate
