#pragma once
// Stable text names for the store's enums. Stores persist these names (not the numeric
// values) so reordering an enum never reinterprets old rows; the admin API shows them too.

#include <string_view>

#include "gateway/store/state_store.h"

namespace easgate {

const char* device_access_state_name(DeviceAccessState state);  // "allowed", ...
const char* policy_status_name(PolicyStatus status);             // "acknowledged", ...
const char* wipe_state_name(WipeState state);                    // "requested", ...
const char* wipe_kind_name(WipeKind kind);                       // "full", "account_only"
const char* device_exemption_kind_name(DeviceExemptionKind kind);  // "allow", "block"
const char* assignee_kind_name(AssigneeKind kind);               // "user", "group"

// Each returns false (and leaves *out alone) for an unknown name.
bool parse_device_access_state(std::string_view name, DeviceAccessState* out);
bool parse_policy_status(std::string_view name, PolicyStatus* out);
bool parse_wipe_state(std::string_view name, WipeState* out);
bool parse_wipe_kind(std::string_view name, WipeKind* out);
bool parse_device_exemption_kind(std::string_view name, DeviceExemptionKind* out);
bool parse_assignee_kind(std::string_view name, AssigneeKind* out);

}  // namespace easgate
